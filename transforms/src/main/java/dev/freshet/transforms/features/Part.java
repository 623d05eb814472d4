package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.values.Row;

/**
 * One piece of an event's feature vector, on its way to assembly: the base (stage {@value #BASE},
 * carrying the event and its event-local features) or the columns computed by one entity key's
 * stage (no event, to keep the shuffle small).
 */
final class Part {
  static final int BASE = -1;

  final int stage;
  final Row event;
  final float[] features;

  Part(int stage, Row event, float[] features) {
    this.stage = stage;
    this.event = event;
    this.features = features;
  }

  static final class PartCoder extends CustomCoder<Part> {
    private final NullableCoder<Row> rowCoder;

    PartCoder(Coder<Row> rowCoder) {
      this.rowCoder = NullableCoder.of(rowCoder);
    }

    @Override
    public void encode(Part value, OutputStream out) throws IOException {
      VarIntCoder.of().encode(value.stage, out);
      rowCoder.encode(value.event, out);
      FloatArrays.encode(value.features, out);
    }

    @Override
    public Part decode(InputStream in) throws IOException {
      int stage = VarIntCoder.of().decode(in);
      Row event = rowCoder.decode(in);
      return new Part(stage, event, FloatArrays.decode(in));
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
      return o instanceof PartCoder other && rowCoder.equals(other.rowCoder);
    }

    @Override
    public int hashCode() {
      return rowCoder.hashCode();
    }
  }
}
