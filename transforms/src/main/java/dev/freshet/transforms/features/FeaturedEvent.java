package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.values.Row;

/**
 * An event with its feature vector: the parsed event {@link Row}, the features as a compact {@code
 * float[]} in {@link FeatureSpec#features()} order, and the spec's 64-bit fingerprint so that a
 * vector is never read with the wrong layout.
 */
public final class FeaturedEvent {
  private final Row event;
  private final float[] features;
  private final long specFingerprint;

  public FeaturedEvent(Row event, float[] features, long specFingerprint) {
    this.event = Objects.requireNonNull(event, "event");
    this.features = Objects.requireNonNull(features, "features");
    this.specFingerprint = specFingerprint;
  }

  public Row event() {
    return event;
  }

  /** The feature vector; callers must not modify it. */
  public float[] features() {
    return features;
  }

  public long specFingerprint() {
    return specFingerprint;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeaturedEvent other
        && specFingerprint == other.specFingerprint
        && event.equals(other.event)
        && Arrays.equals(features, other.features);
  }

  @Override
  public int hashCode() {
    return Objects.hash(event, Arrays.hashCode(features), specFingerprint);
  }

  @Override
  public String toString() {
    return "FeaturedEvent{" + event + ", " + Arrays.toString(features) + "}";
  }

  /** Deterministic coder: the event's schema coder, then the floats bit for bit. */
  public static final class FeaturedEventCoder extends CustomCoder<FeaturedEvent> {
    private static final BigEndianLongCoder FINGERPRINT = BigEndianLongCoder.of();
    private final SchemaCoder<Row> rowCoder;

    private FeaturedEventCoder(SchemaCoder<Row> rowCoder) {
      this.rowCoder = rowCoder;
    }

    public static FeaturedEventCoder of(FeatureSpec spec) {
      return new FeaturedEventCoder(SchemaCoder.of(spec.events().beamSchema()));
    }

    @Override
    public void encode(FeaturedEvent value, OutputStream out) throws IOException {
      rowCoder.encode(value.event, out);
      FINGERPRINT.encode(value.specFingerprint, out);
      FloatArrays.encode(value.features, out);
    }

    @Override
    public FeaturedEvent decode(InputStream in) throws IOException {
      Row row = rowCoder.decode(in);
      long fingerprint = FINGERPRINT.decode(in);
      return new FeaturedEvent(row, FloatArrays.decode(in), fingerprint);
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(rowCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      rowCoder.verifyDeterministic();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FeaturedEventCoder other && rowCoder.equals(other.rowCoder);
    }

    @Override
    public int hashCode() {
      return rowCoder.hashCode();
    }
  }
}
