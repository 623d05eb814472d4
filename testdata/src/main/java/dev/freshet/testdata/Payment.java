package dev.freshet.testdata;

import java.time.Instant;
import java.util.Objects;

/**
 * One ride payment as it appears on the wire ({@code events} file or topic). It carries no fraud
 * label: whether a payment was fraudulent is only known later, through a {@link Chargeback}.
 *
 * @param eventId unique id, {@code pay-00000001}; ids increase with event time
 * @param eventTime when the payment happened (millisecond precision, UTC)
 * @param riderId the paying rider's account
 * @param cardId the card charged
 * @param tripId the trip paid for
 * @param city the city of the trip
 * @param deviceId the device the rider's app runs on
 * @param amount the amount charged, rounded to cents
 */
public record Payment(
    String eventId,
    Instant eventTime,
    String riderId,
    String cardId,
    String tripId,
    String city,
    String deviceId,
    double amount) {

  /** The {@code event_type} written with every payment. */
  public static final String EVENT_TYPE = "payment";

  /** Validates that no field is missing. */
  public Payment {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventTime, "eventTime");
    Objects.requireNonNull(riderId, "riderId");
    Objects.requireNonNull(cardId, "cardId");
    Objects.requireNonNull(tripId, "tripId");
    Objects.requireNonNull(city, "city");
    Objects.requireNonNull(deviceId, "deviceId");
  }
}
