package dev.freshet.transforms.drift;

import java.util.ArrayList;
import java.util.List;

/**
 * Distances between a window's histogram and the reference's, per feature.
 *
 * <p><b>PSI</b> (population stability index): {@code sum_i (q_i - p_i) * ln(q_i / p_i)} over every
 * bin (the missing-value bin included), where {@code p_i} is the reference's share of bin {@code i}
 * and {@code q_i} the window's. It is the symmetrised Kullback-Leibler divergence of the two binned
 * distributions: 0 when they match, growing with the shift. The usual reading (credit scoring
 * practice): below 0.1 no significant change, 0.1 to 0.2 moderate, above 0.2 significant. An empty
 * bin would make the logarithm infinite, so both shares are floored at {@link #EPSILON}
 * (10<sup>-4</sup>): a bin empty on both sides then adds exactly 0, and a bin that empties (or
 * fills) adds about {@code p * ln(p / 1e-4)}, e.g. 0.69 for a decile that vanished. On a window of
 * {@code n} vectors drawn from the reference itself PSI is not 0 but about {@code (k - 1) / n} for
 * {@code k} occupied bins (sampling noise), which is why judging needs a minimum window size.
 *
 * <p><b>KS</b>: the largest gap between the two cumulative distributions, evaluated at the bin
 * edges over the non-missing values. It is a lower bound of the exact two-sample KS statistic (the
 * gap between edges is not seen) and reads 0..1; it is NaN for categorical features (bucket order
 * means nothing) and when either side has no values.
 */
public final class DriftStatistics {
  /** Floor of a bin's share in PSI, so that empty bins give a finite value. */
  public static final double EPSILON = 1e-4;

  private DriftStatistics() {}

  /** PSI of {@code observed} shares against {@code expected} shares (same length). */
  public static double psi(double[] expected, double[] observed) {
    if (expected.length != observed.length) {
      throw new IllegalArgumentException(
          "expected " + expected.length + " bins, observed " + observed.length);
    }
    double psi = 0;
    for (int i = 0; i < expected.length; i++) {
      double p = Math.max(expected[i], EPSILON);
      double q = Math.max(observed[i], EPSILON);
      psi += (q - p) * Math.log(q / p);
    }
    return psi;
  }

  /**
   * KS statistic between two binned distributions over their first {@code valueBins} bins (the
   * rest, such as a missing-value bin, left out), each renormalised to sum to 1 over those bins.
   * NaN when either side has nothing there.
   */
  public static double ks(double[] expected, double[] observed, int valueBins) {
    double expectedTotal = 0;
    double observedTotal = 0;
    for (int i = 0; i < valueBins; i++) {
      expectedTotal += expected[i];
      observedTotal += observed[i];
    }
    if (!(expectedTotal > 0) || !(observedTotal > 0)) {
      return Double.NaN;
    }
    double e = 0;
    double o = 0;
    double ks = 0;
    for (int i = 0; i < valueBins - 1; i++) {
      e += expected[i] / expectedTotal;
      o += observed[i] / observedTotal;
      ks = Math.max(ks, Math.abs(e - o));
    }
    return ks;
  }

  /** PSI and KS of every feature of {@code window} against {@code reference}, in vector order. */
  public static List<FeatureDrift> compare(DriftReference reference, BinCounts window) {
    if (window.examples() == 0) {
      throw new IllegalArgumentException("an empty window cannot be compared");
    }
    if (window.features() > reference.size()) {
      throw new IllegalArgumentException(
          "the window has "
              + window.features()
              + " features but the reference describes "
              + reference.size());
    }
    List<FeatureDrift> drift = new ArrayList<>();
    for (int f = 0; f < reference.size(); f++) {
      FeatureBins bins = reference.features().get(f);
      double[] expected = bins.proportions();
      double[] observed = new double[bins.size()];
      long counted = 0;
      for (int b = 0; b < observed.length; b++) {
        counted += window.count(f, b);
        observed[b] = (double) window.count(f, b) / window.examples();
      }
      if (counted != window.examples()) {
        throw new IllegalArgumentException(
            "feature '"
                + bins.feature()
                + "': the window has bins the reference does not (binned against another"
                + " reference?)");
      }
      double ks = bins.categorical() ? Double.NaN : ks(expected, observed, bins.missingBin());
      FeatureDrift.OutOfRange range =
          bins.hasRange()
              ? new FeatureDrift.OutOfRange(
                  bins.min(),
                  bins.max(),
                  window.below(f),
                  window.above(f),
                  window.lowest(f),
                  window.highest(f))
              : null;
      drift.add(
          new FeatureDrift(bins.feature(), psi(expected, observed), ks, window.examples(), range));
    }
    return drift;
  }
}
