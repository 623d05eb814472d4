package dev.freshet.model.registry;

import java.time.Instant;
import java.util.Objects;

/** The event-time range and number of examples a model was trained on. */
public record DataRange(Instant minEventTime, Instant maxEventTime, long exampleCount) {
  public DataRange {
    Objects.requireNonNull(minEventTime, "minEventTime");
    Objects.requireNonNull(maxEventTime, "maxEventTime");
    if (maxEventTime.isBefore(minEventTime)) {
      throw new IllegalArgumentException("maxEventTime is before minEventTime");
    }
    if (exampleCount < 0) {
      throw new IllegalArgumentException("exampleCount must be >= 0");
    }
  }
}
