package dev.freshet.testdata;

import java.util.Objects;

/**
 * A generated payment together with its ground truth. Writers only ever write {@link #payment()};
 * {@link #pattern()} is there so tests can check the story the generator tells.
 *
 * @param payment the payment as it goes on the wire
 * @param pattern {@link FraudPattern#LEGIT} or the fraud pattern that produced it
 */
public record GeneratedPayment(Payment payment, FraudPattern pattern) {

  /** Validates that no field is missing. */
  public GeneratedPayment {
    Objects.requireNonNull(payment, "payment");
    Objects.requireNonNull(pattern, "pattern");
  }

  /** Whether the payment is fraudulent. */
  public boolean isFraud() {
    return pattern.isFraud();
  }
}
