package dev.freshet.testdata;

import java.time.Duration;
import java.util.Objects;

/**
 * How long after a fraudulent payment its chargeback arrives. Most arrive uniformly between {@link
 * #min()} and {@link #max()}; a fraction {@link #lateFraction()} arrive late, uniformly between
 * {@link #lateMin()} and {@link #lateMax()} (beyond a 48 h label window, so they exercise "outcome
 * after timeout"); a fraction {@link #duplicateFraction()} of fraudulent payments get a second,
 * duplicate chargeback (same event id) between {@link #duplicateMinGap()} and {@link
 * #duplicateMaxGap()} after the first (exercises idempotency).
 *
 * @param min earliest normal delay
 * @param max latest normal delay
 * @param lateFraction probability that a chargeback is late
 * @param lateMin earliest late delay
 * @param lateMax latest late delay
 * @param duplicateFraction probability that a fraudulent payment gets a duplicate chargeback
 * @param duplicateMinGap smallest gap between a chargeback and its duplicate
 * @param duplicateMaxGap largest gap between a chargeback and its duplicate
 */
public record LabelDelays(
    Duration min,
    Duration max,
    double lateFraction,
    Duration lateMin,
    Duration lateMax,
    double duplicateFraction,
    Duration duplicateMinGap,
    Duration duplicateMaxGap) {

  /** 1 h to 36 h; 1 % late at 50 h to 80 h; 0.5 % duplicated 1 min to 12 h later. */
  public static final LabelDelays DEFAULT =
      new LabelDelays(
          Duration.ofHours(1),
          Duration.ofHours(36),
          0.01,
          Duration.ofHours(50),
          Duration.ofHours(80),
          0.005,
          Duration.ofMinutes(1),
          Duration.ofHours(12));

  /** Validates the bounds and fractions. */
  public LabelDelays {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(lateMin, "lateMin");
    Objects.requireNonNull(lateMax, "lateMax");
    Objects.requireNonNull(duplicateMinGap, "duplicateMinGap");
    Objects.requireNonNull(duplicateMaxGap, "duplicateMaxGap");
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("need 0 <= min <= max, got " + min + ", " + max);
    }
    if (lateMin.isNegative() || lateMax.compareTo(lateMin) < 0) {
      throw new IllegalArgumentException("need 0 <= lateMin <= lateMax");
    }
    if (duplicateMinGap.isNegative() || duplicateMaxGap.compareTo(duplicateMinGap) < 0) {
      throw new IllegalArgumentException("need 0 <= duplicateMinGap <= duplicateMaxGap");
    }
    if (!(lateFraction >= 0 && lateFraction <= 1)) {
      throw new IllegalArgumentException("lateFraction must be in [0, 1]: " + lateFraction);
    }
    if (!(duplicateFraction >= 0 && duplicateFraction <= 1)) {
      throw new IllegalArgumentException(
          "duplicateFraction must be in [0, 1]: " + duplicateFraction);
    }
  }
}
