package dev.freshet.testdata;

import java.time.Instant;
import java.util.Objects;

/**
 * A chargeback outcome for an earlier payment, as it appears on the wire ({@code outcomes} file or
 * topic). A legitimate payment never gets one: a missing chargeback means "not fraud".
 *
 * @param eventId the {@link Payment#eventId()} this outcome refers to
 * @param outcomeTime when the chargeback became known (millisecond precision, UTC)
 * @param label always {@code true} for the generated data (the payment was fraudulent)
 */
public record Chargeback(String eventId, Instant outcomeTime, boolean label) {

  /** Validates that no field is missing. */
  public Chargeback {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(outcomeTime, "outcomeTime");
  }
}
