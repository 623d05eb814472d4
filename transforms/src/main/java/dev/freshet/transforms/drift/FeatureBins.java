package dev.freshet.transforms.drift;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The reference distribution of one feature, as bins: the bin edges and the share of the reference
 * data in each bin.
 *
 * <p>Bins: value bin {@code i} holds the values {@code v} with {@code edges[i-1] < v <= edges[i]}
 * (the first is open below, the last open above), so there are {@code edges.length + 1} value bins;
 * one more bin, the last, holds missing values (NaN). A numeric feature's edges are the distinct
 * quantiles of the reference values ({@link #numeric}); for a count with many ties that gives
 * fewer, uneven bins, which is why the proportions are measured, not assumed. A categorical feature
 * (hashed bucket indices) gets one bin per bucket ({@link #categorical}).
 *
 * <p>A numeric feature also keeps its reference range, the smallest and largest finite value, so
 * that values outside what the model was trained on can be told apart from a shift inside it
 * ({@link #outside}); references stored before ranges were kept, and categorical features, have
 * none ({@link #hasRange()} false).
 *
 * <p>Immutable and serializable; equality covers every field.
 */
public final class FeatureBins implements Serializable {
  private final String feature;
  private final boolean categorical;
  private final double[] edges;
  private final double[] proportions;
  private final double min;
  private final double max;

  private FeatureBins(
      String feature,
      boolean categorical,
      double[] edges,
      double[] proportions,
      double min,
      double max) {
    this.feature = Objects.requireNonNull(feature, "feature");
    this.categorical = categorical;
    this.edges = edges.clone();
    this.proportions = proportions.clone();
    this.min = min;
    this.max = max;
    if (Double.isNaN(min) != Double.isNaN(max) || min > max) {
      throw new IllegalArgumentException(
          "feature '" + feature + "': range [" + min + ", " + max + "] is not a range");
    }
    for (int i = 0; i < this.edges.length; i++) {
      if (!Double.isFinite(this.edges[i]) || (i > 0 && !(this.edges[i] > this.edges[i - 1]))) {
        throw new IllegalArgumentException(
            "feature '"
                + feature
                + "': bin edges must be finite and increasing, got "
                + Arrays.toString(edges));
      }
    }
    if (this.proportions.length != this.edges.length + 2) {
      throw new IllegalArgumentException(
          "feature '"
              + feature
              + "': "
              + this.edges.length
              + " edges need "
              + (this.edges.length + 2)
              + " proportions (value bins and the missing bin), got "
              + this.proportions.length);
    }
    double sum = 0;
    for (double p : this.proportions) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException(
            "feature '" + feature + "': proportions must lie in [0, 1], got " + p);
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-6) {
      throw new IllegalArgumentException(
          "feature '" + feature + "': proportions must sum to 1, got " + sum);
    }
  }

  /** Bins as stored without a range (references stored before ranges were kept); validated. */
  public static FeatureBins of(
      String feature, boolean categorical, double[] edges, double[] proportions) {
    return of(feature, categorical, edges, proportions, Double.NaN, Double.NaN);
  }

  /** Bins as stored (for example read back from a model manifest), NaN for no range; validated. */
  public static FeatureBins of(
      String feature,
      boolean categorical,
      double[] edges,
      double[] proportions,
      double min,
      double max) {
    return new FeatureBins(feature, categorical, edges, proportions, min, max);
  }

  /**
   * Bins at the distinct {@code 1/bins, 2/bins, ...} quantiles of the finite {@code values}, with
   * the share of {@code values} (NaN included, in the missing bin) that falls in each.
   */
  public static FeatureBins numeric(String feature, float[] values, int bins) {
    if (bins < 2) {
      throw new IllegalArgumentException("feature '" + feature + "': bins must be >= 2: " + bins);
    }
    double[] finite = finiteSorted(values, feature);
    double[] candidates = new double[bins - 1];
    int edges = 0;
    for (int k = 1; k < bins && finite.length > 0; k++) {
      int index = (int) Math.ceil((double) k * finite.length / bins) - 1;
      double q = finite[Math.max(0, index)];
      if (edges == 0 || q > candidates[edges - 1]) {
        candidates[edges++] = q;
      }
    }
    return measured(
        feature,
        false,
        Arrays.copyOf(candidates, edges),
        values,
        finite.length == 0 ? Double.NaN : finite[0],
        finite.length == 0 ? Double.NaN : finite[finite.length - 1]);
  }

  /** One bin per bucket index {@code 0 .. buckets-1} (values outside fall in the end bins). */
  public static FeatureBins categorical(String feature, float[] values, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException(
          "feature '" + feature + "': buckets must be >= 1: " + buckets);
    }
    double[] edges = new double[buckets - 1];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = i + 0.5;
    }
    finiteSorted(values, feature);
    return measured(feature, true, edges, values, Double.NaN, Double.NaN);
  }

  private static double[] finiteSorted(float[] values, String feature) {
    if (values.length == 0) {
      throw new IllegalArgumentException(
          "feature '" + feature + "': a reference needs at least one value");
    }
    double[] finite = new double[values.length];
    int n = 0;
    for (float v : values) {
      if (Float.isFinite(v)) {
        finite[n++] = v;
      }
    }
    finite = Arrays.copyOf(finite, n);
    Arrays.sort(finite);
    return finite;
  }

  private static FeatureBins measured(
      String feature, boolean categorical, double[] edges, float[] values, double min, double max) {
    FeatureBins shape =
        new FeatureBins(feature, categorical, edges, uniform(edges.length + 2), min, max);
    long[] counts = new long[shape.size()];
    for (float v : values) {
      counts[shape.binOf(v)]++;
    }
    double[] proportions = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      proportions[i] = (double) counts[i] / values.length;
    }
    return new FeatureBins(feature, categorical, edges, proportions, min, max);
  }

  private static double[] uniform(int n) {
    double[] p = new double[n];
    Arrays.fill(p, 1.0 / n);
    return p;
  }

  /** The bin of {@code value}: NaN goes to {@link #missingBin()}, infinities to the end bins. */
  public int binOf(float value) {
    if (Float.isNaN(value)) {
      return edges.length + 1;
    }
    // The number of edges strictly below the value.
    int lo = 0;
    int hi = edges.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (edges[mid] < value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Where {@code value} lies against the reference range: -1 below it, 1 above it, 0 inside it (or
   * when it is NaN, or the feature has no range).
   */
  public int outside(float value) {
    return value < min ? -1 : value > max ? 1 : 0;
  }

  /** Whether the reference range is known (numeric features of references that keep it). */
  public boolean hasRange() {
    return !Double.isNaN(min);
  }

  /** The smallest finite reference value; NaN without a range. */
  public double min() {
    return min;
  }

  /** The largest finite reference value; NaN without a range. */
  public double max() {
    return max;
  }

  public String feature() {
    return feature;
  }

  /** Whether the feature holds hashed bucket indices (bin order carries no meaning). */
  public boolean categorical() {
    return categorical;
  }

  /** The bin edges, increasing; a copy. */
  public double[] edges() {
    return edges.clone();
  }

  /** Share of the reference in each bin, the missing bin last; a copy. */
  public double[] proportions() {
    return proportions.clone();
  }

  /** Number of bins, the missing bin included. */
  public int size() {
    return proportions.length;
  }

  /** Index of the bin of missing values (NaN): the last. */
  public int missingBin() {
    return edges.length + 1;
  }

  double proportion(int bin) {
    return proportions[bin];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureBins b
        && b.feature.equals(feature)
        && b.categorical == categorical
        && Arrays.equals(b.edges, edges)
        && Arrays.equals(b.proportions, proportions)
        && Double.compare(b.min, min) == 0
        && Double.compare(b.max, max) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(feature, categorical, Arrays.hashCode(edges), Arrays.hashCode(proportions));
  }

  @Override
  public String toString() {
    return feature
        + (categorical ? "[categorical]" : "")
        + " edges "
        + Arrays.toString(edges)
        + " proportions "
        + Arrays.toString(proportions)
        + (hasRange() ? " range [" + min + ", " + max + "]" : "");
  }
}
