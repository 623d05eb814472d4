package dev.freshet.transforms.labels;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** What {@link JoinLabels} receives per event id: the event (with its time) or an outcome. */
final class LabelInput<T> {
  private final T event;
  private final long eventTime;
  private final Outcome outcome;

  private LabelInput(T event, long eventTime, Outcome outcome) {
    this.event = event;
    this.eventTime = eventTime;
    this.outcome = outcome;
  }

  static <T> LabelInput<T> event(T event, long eventTime) {
    return new LabelInput<>(event, eventTime, null);
  }

  static <T> LabelInput<T> outcome(Outcome outcome) {
    return new LabelInput<>(null, 0, outcome);
  }

  boolean isEvent() {
    return outcome == null;
  }

  T event() {
    return event;
  }

  long eventTime() {
    return eventTime;
  }

  Outcome outcome() {
    return outcome;
  }

  /** The time that orders inputs of one id: event time, or the outcome's own time. */
  long time() {
    return isEvent() ? eventTime : outcome.timeMillis();
  }

  static final class LabelInputCoder<T> extends StructuredCoder<LabelInput<T>> {
    private final Coder<T> eventCoder;

    LabelInputCoder(Coder<T> eventCoder) {
      this.eventCoder = eventCoder;
    }

    @Override
    public void encode(LabelInput<T> value, OutputStream out) throws IOException {
      BooleanCoder.of().encode(value.isEvent(), out);
      if (value.isEvent()) {
        eventCoder.encode(value.event, out);
        VarLongCoder.of().encode(value.eventTime, out);
      } else {
        Outcome.OutcomeCoder.of().encode(value.outcome, out);
      }
    }

    @Override
    public LabelInput<T> decode(InputStream in) throws IOException {
      if (BooleanCoder.of().decode(in)) {
        return event(eventCoder.decode(in), VarLongCoder.of().decode(in));
      }
      return outcome(Outcome.OutcomeCoder.of().decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(eventCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "event coder must be deterministic", eventCoder);
    }
  }
}
