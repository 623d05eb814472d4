package dev.freshet.testdata;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counts and rates of a generated stream.
 *
 * @param events payments generated
 * @param driftOnset when the drift pattern starts, or {@code null} without drift
 * @param eventsBeforeOnset payments with event time before the onset (all of them without drift)
 * @param fraudBeforeOnset fraudulent payments before the onset
 * @param eventsAfterOnset payments at or after the onset
 * @param fraudAfterOnset fraudulent payments at or after the onset
 * @param patternCounts payments per pattern (legitimate included)
 * @param chargebacks chargeback outcomes, duplicates included
 * @param lateChargebacks chargebacks drawn from the late delay range
 * @param duplicateChargebacks duplicate chargebacks
 * @param firstEventTime time of the first payment, or {@code null} when empty
 * @param lastEventTime time of the last payment, or {@code null} when empty
 */
public record FraudSummary(
    long events,
    Instant driftOnset,
    long eventsBeforeOnset,
    long fraudBeforeOnset,
    long eventsAfterOnset,
    long fraudAfterOnset,
    Map<FraudPattern, Long> patternCounts,
    long chargebacks,
    long lateChargebacks,
    long duplicateChargebacks,
    Instant firstEventTime,
    Instant lastEventTime) {

  /** Copies the pattern counts into an unmodifiable map. */
  public FraudSummary {
    patternCounts = Collections.unmodifiableMap(new EnumMap<>(patternCounts));
  }

  /** Number of fraudulent payments. */
  public long fraudEvents() {
    return fraudBeforeOnset + fraudAfterOnset;
  }

  /** Share of payments that are fraudulent. */
  public double fraudRate() {
    return ratio(fraudEvents(), events);
  }

  /** Share of payments before the onset that are fraudulent. */
  public double fraudRateBeforeOnset() {
    return ratio(fraudBeforeOnset, eventsBeforeOnset);
  }

  /** Share of payments at or after the onset that are fraudulent. */
  public double fraudRateAfterOnset() {
    return ratio(fraudAfterOnset, eventsAfterOnset);
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : (double) a / b;
  }

  /** A few human-readable lines. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "events: %d (%s .. %s)%n",
            events,
            firstEventTime == null ? "-" : FraudJsonl.formatTime(firstEventTime),
            lastEventTime == null ? "-" : FraudJsonl.formatTime(lastEventTime)));
    sb.append(String.format(Locale.ROOT, "fraud: %d (%.2f%%)%n", fraudEvents(), 100 * fraudRate()));
    if (driftOnset != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "drift onset: %s; fraud rate before: %.2f%% of %d, after: %.2f%% of %d%n",
              FraudJsonl.formatTime(driftOnset),
              100 * fraudRateBeforeOnset(),
              eventsBeforeOnset,
              100 * fraudRateAfterOnset(),
              eventsAfterOnset));
    } else {
      sb.append("drift: none\n");
    }
    sb.append("patterns:");
    patternCounts.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "outcomes: %d chargebacks, %d late, %d duplicates%n",
            chargebacks,
            lateChargebacks,
            duplicateChargebacks));
    return sb.toString();
  }
}
