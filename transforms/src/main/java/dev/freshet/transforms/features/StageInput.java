package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.Row;

/**
 * What one entity key's stage receives: an event to featurise, or a label that became known for one
 * of the key's events. {@code tie} (a stable hash of the record id) orders equal times.
 */
final class StageInput {
  private final long time;
  private final long tie;
  private final Row event;
  private final double label;

  private StageInput(long time, long tie, Row event, double label) {
    this.time = time;
    this.tie = tie;
    this.event = event;
    this.label = label;
  }

  static StageInput event(long time, long tie, Row event) {
    return new StageInput(time, tie, event, Double.NaN);
  }

  static StageInput label(long time, long tie, double label) {
    return new StageInput(time, tie, null, label);
  }

  boolean isEvent() {
    return event != null;
  }

  long time() {
    return time;
  }

  long tie() {
    return tie;
  }

  Row event() {
    return event;
  }

  double label() {
    return label;
  }

  /** Deterministic coder for {@link StageInput}. */
  static final class StageInputCoder extends CustomCoder<StageInput> {
    private final Coder<Row> eventCoder;

    StageInputCoder(Coder<Row> eventCoder) {
      this.eventCoder = eventCoder;
    }

    @Override
    public void encode(StageInput value, OutputStream out) throws IOException {
      ByteCoder.of().encode(value.isEvent() ? (byte) 1 : (byte) 0, out);
      VarLongCoder.of().encode(value.time, out);
      BigEndianLongCoder.of().encode(value.tie, out);
      if (value.isEvent()) {
        eventCoder.encode(value.event, out);
      } else {
        DoubleCoder.of().encode(value.label, out);
      }
    }

    @Override
    public StageInput decode(InputStream in) throws IOException {
      boolean isEvent = ByteCoder.of().decode(in) == 1;
      long time = VarLongCoder.of().decode(in);
      long tie = BigEndianLongCoder.of().decode(in);
      return isEvent
          ? event(time, tie, eventCoder.decode(in))
          : label(time, tie, DoubleCoder.of().decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(eventCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      eventCoder.verifyDeterministic();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StageInputCoder other && eventCoder.equals(other.eventCoder);
    }

    @Override
    public int hashCode() {
      return eventCoder.hashCode();
    }
  }
}
