package dev.freshet.transforms.labels;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A value (an event, or a logged prediction) with its natural label: {@code positive} from the
 * outcome that arrived within the label window, or negative on timeout. {@code labelTimeMillis} is
 * when the label became known: the outcome's time, or event time + label window on timeout.
 */
public record Labeled<T>(T value, boolean positive, long labelTimeMillis, boolean timedOut) {

  public Labeled {
    Objects.requireNonNull(value, "value");
  }

  public double label() {
    return positive ? 1.0 : 0.0;
  }

  /** Coder for {@link Labeled}, deterministic when the value coder is. */
  public static final class LabeledCoder<T> extends StructuredCoder<Labeled<T>> {
    private final Coder<T> valueCoder;

    private LabeledCoder(Coder<T> valueCoder) {
      this.valueCoder = valueCoder;
    }

    public static <T> LabeledCoder<T> of(Coder<T> valueCoder) {
      return new LabeledCoder<>(valueCoder);
    }

    @Override
    public void encode(Labeled<T> value, OutputStream out) throws IOException {
      valueCoder.encode(value.value(), out);
      BooleanCoder.of().encode(value.positive(), out);
      VarLongCoder.of().encode(value.labelTimeMillis(), out);
      BooleanCoder.of().encode(value.timedOut(), out);
    }

    @Override
    public Labeled<T> decode(InputStream in) throws IOException {
      return new Labeled<>(
          valueCoder.decode(in),
          BooleanCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          BooleanCoder.of().decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(valueCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "value coder must be deterministic", valueCoder);
    }
  }
}
