package dev.freshet.transforms.labels;

import java.io.Serializable;
import org.joda.time.Duration;

/**
 * The natural-label rule, in one place for both the bounded and the streaming join: an outcome
 * whose own time is at most {@code t + L} labels the event at {@code t}; none by then means a
 * negative label that became known at {@code t + L}.
 */
public final class LabelWindow implements Serializable {
  private final long millis;

  private LabelWindow(long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException(
          "The label window must be positive, got " + millis + " ms");
    }
    this.millis = millis;
  }

  public static LabelWindow of(Duration window) {
    return new LabelWindow(window.getMillis());
  }

  public long millis() {
    return millis;
  }

  /** When the event at {@code eventTime} gets a negative label if no outcome came. */
  public long deadline(long eventTime) {
    return eventTime + millis;
  }

  /** Whether an outcome at {@code outcomeTime} still labels the event at {@code eventTime}. */
  public boolean inTime(long eventTime, long outcomeTime) {
    return outcomeTime <= deadline(eventTime);
  }

  /** When the label became known (never before the event itself). */
  public long labelTime(long eventTime, long outcomeTime) {
    return Math.max(eventTime, outcomeTime);
  }

  <T> Labeled<T> fromOutcome(T event, long eventTime, Outcome outcome) {
    return new Labeled<>(
        event, outcome.positive(), labelTime(eventTime, outcome.timeMillis()), false);
  }

  <T> Labeled<T> timeout(T event, long eventTime) {
    return new Labeled<>(event, false, deadline(eventTime), true);
  }
}
