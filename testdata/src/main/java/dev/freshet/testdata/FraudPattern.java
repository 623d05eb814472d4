package dev.freshet.testdata;

/**
 * Ground truth of a generated payment: legitimate, or which fraud pattern produced it. Exposed by
 * {@link FraudGenerator} for tests and evaluation only; it is never written to the events.
 */
public enum FraudPattern {
  /** An ordinary rider paying for a trip with one of their own cards. */
  LEGIT(false, false),
  /** A stolen card used for many small payments (1 to 5) within minutes. */
  CARD_TESTING(true, false),
  /** A stolen card used many times within minutes for large amounts. */
  STOLEN_CARD_BURST(true, false),
  /** Several brand-new riders sharing one new card and one device in one city within an hour. */
  FRAUD_RING(true, false),
  /**
   * The drift pattern, only after the drift onset: an established rider's account suddenly pays
   * large amounts, spread over up to two hours, with a new card and a new device, in a city the
   * rider never used (at any hour: the stream may not span a night).
   */
  ACCOUNT_TAKEOVER(true, true);

  private final boolean fraud;
  private final boolean onlyAfterDrift;

  FraudPattern(boolean fraud, boolean onlyAfterDrift) {
    this.fraud = fraud;
    this.onlyAfterDrift = onlyAfterDrift;
  }

  /** Whether payments of this pattern are fraudulent (and get a chargeback). */
  public boolean isFraud() {
    return fraud;
  }

  /** Whether this pattern appears only after the drift onset. */
  public boolean onlyAfterDrift() {
    return onlyAfterDrift;
  }
}
