package dev.freshet.testdata;

import java.util.List;

/**
 * A whole generated stream held in memory.
 *
 * @param payments payments in event-time order, with their ground truth
 * @param chargebacks chargebacks in outcome-time order (duplicates included)
 * @param summary counts and rates
 */
public record FraudDataset(
    List<GeneratedPayment> payments, List<Chargeback> chargebacks, FraudSummary summary) {

  /** Makes the lists unmodifiable. */
  public FraudDataset {
    payments = List.copyOf(payments);
    chargebacks = List.copyOf(chargebacks);
  }
}
