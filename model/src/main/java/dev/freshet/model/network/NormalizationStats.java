package dev.freshet.model.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freshet.model.FeatureLayout;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Mean, standard deviation and range (smallest and largest value) of each numeric column, computed
 * from training data and stored in the model; serving applies them and never recomputes them.
 * {@link FeatureEncoder} clips every value to its column's range before standardising it, so that a
 * value the model never saw in training (a counter or a date that keeps growing) reaches the
 * network as the nearest value it did see rather than as an ever larger z-score.
 *
 * <p>Non-finite training values are ignored. A column with no finite value, or a (near) constant
 * column, gets mean 0 / std 1 resp. std 1 so that scaling never divides by zero; a column with no
 * finite value gets the range {@code [0, 0]}. Models registered before ranges were kept have none
 * ({@link #hasRange()} false) and are clipped only at {@code ±}{@value FeatureEncoder#CLIP}
 * standard deviations, as before.
 *
 * <p>{@link #updated} folds a batch of newer rows into the statistics, for a continual learner that
 * follows a column's drift (see {@code ContinualTraining}); statistics are otherwise immutable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class NormalizationStats implements Serializable {
  private static final double MIN_STD = 1e-6;

  private final double[] mean;
  private final double[] std;
  private final double[] min;
  private final double[] max;

  /** Statistics without ranges (as models registered before ranges were kept read back). */
  public NormalizationStats(double[] mean, double[] std) {
    this(mean, std, null, null);
  }

  @JsonCreator
  public NormalizationStats(
      @JsonProperty("mean") double[] mean,
      @JsonProperty("std") double[] std,
      @JsonProperty("min") double[] min,
      @JsonProperty("max") double[] max) {
    if (mean.length != std.length) {
      throw new IllegalArgumentException("mean and std lengths differ");
    }
    if ((min == null) != (max == null)) {
      throw new IllegalArgumentException("a range needs both min and max");
    }
    if (min != null) {
      if (min.length != mean.length || max.length != mean.length) {
        throw new IllegalArgumentException("min and max must cover every numeric column");
      }
      for (int j = 0; j < min.length; j++) {
        if (!(min[j] <= max[j])) {
          throw new IllegalArgumentException(
              "column " + j + ": min " + min[j] + " is not at most max " + max[j]);
        }
      }
    }
    this.mean = mean.clone();
    this.std = std.clone();
    this.min = min == null ? null : min.clone();
    this.max = max == null ? null : max.clone();
  }

  /** Statistics of the layout's numeric columns over {@code rows}. */
  public static NormalizationStats fit(FeatureLayout layout, float[][] rows) {
    return new Moments(layout.numericIndices().length).add(layout, rows).stats();
  }

  /**
   * These statistics moved towards {@code rows}: the mean and variance of each column are those of
   * the union of {@code rows} and the {@code memory} examples these statistics stand for (the newer
   * rows weigh as much as {@code rows.length} examples of {@code memory + rows.length}), and the
   * range grows to cover the rows' values. A learner that calls this on every batch with a fixed
   * memory follows a trending column with an exponentially weighted estimate. A column without
   * finite values in {@code rows} keeps its statistics.
   */
  public NormalizationStats updated(FeatureLayout layout, float[][] rows, long memory) {
    if (memory < 1) {
      throw new IllegalArgumentException("memory must be at least 1 example, got " + memory);
    }
    Moments batch = new Moments(mean.length).add(layout, rows);
    double[] newMean = mean.clone();
    double[] newStd = std.clone();
    double[] newMin = min == null ? null : min.clone();
    double[] newMax = max == null ? null : max.clone();
    for (int j = 0; j < mean.length; j++) {
      long n = batch.n[j];
      if (n == 0) {
        continue;
      }
      double total = memory + n;
      double delta = batch.mean[j] - mean[j];
      newMean[j] = mean[j] + delta * n / total;
      double m2 = std[j] * std[j] * (memory - 1) + batch.m2[j] + delta * delta * memory * n / total;
      double s = Math.sqrt(m2 / (total - 1));
      newStd[j] = s < MIN_STD ? 1.0 : s;
      if (newMin != null) {
        newMin[j] = Math.min(newMin[j], batch.min[j]);
        newMax[j] = Math.max(newMax[j], batch.max[j]);
      }
    }
    return new NormalizationStats(newMean, newStd, newMin, newMax);
  }

  /** Welford statistics of some numeric columns. */
  private static final class Moments {
    final double[] mean;
    final double[] m2;
    final double[] min;
    final double[] max;
    final long[] n;

    Moments(int columns) {
      mean = new double[columns];
      m2 = new double[columns];
      min = new double[columns];
      max = new double[columns];
      n = new long[columns];
      Arrays.fill(min, Double.POSITIVE_INFINITY);
      Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    Moments add(FeatureLayout layout, float[][] rows) {
      int[] numeric = layout.numericIndices();
      for (float[] row : rows) {
        for (int j = 0; j < numeric.length; j++) {
          float v = row[numeric[j]];
          if (Float.isFinite(v)) {
            n[j]++;
            double delta = v - mean[j];
            mean[j] += delta / n[j];
            m2[j] += delta * (v - mean[j]);
            min[j] = Math.min(min[j], v);
            max[j] = Math.max(max[j], v);
          }
        }
      }
      return this;
    }

    NormalizationStats stats() {
      double[] std = new double[mean.length];
      double[] lo = min.clone();
      double[] hi = max.clone();
      for (int j = 0; j < mean.length; j++) {
        double s = n[j] > 1 ? Math.sqrt(m2[j] / (n[j] - 1)) : 1.0;
        std[j] = s < MIN_STD ? 1.0 : s;
        if (n[j] == 0) {
          lo[j] = 0;
          hi[j] = 0;
        }
      }
      return new NormalizationStats(mean, std, lo, hi);
    }
  }

  @JsonProperty
  public double[] mean() {
    return mean.clone();
  }

  @JsonProperty
  public double[] std() {
    return std.clone();
  }

  /** Each column's smallest training value; null when the model has no ranges. */
  @JsonProperty
  public double[] min() {
    return min == null ? null : min.clone();
  }

  /** Each column's largest training value; null when the model has no ranges. */
  @JsonProperty
  public double[] max() {
    return max == null ? null : max.clone();
  }

  /** Whether the statistics hold each column's training range (models since ranges were kept). */
  public boolean hasRange() {
    return min != null;
  }

  int size() {
    return mean.length;
  }

  double meanAt(int j) {
    return mean[j];
  }

  double stdAt(int j) {
    return std[j];
  }

  double minAt(int j) {
    return min == null ? Double.NEGATIVE_INFINITY : min[j];
  }

  double maxAt(int j) {
    return max == null ? Double.POSITIVE_INFINITY : max[j];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NormalizationStats s
        && Arrays.equals(s.mean, mean)
        && Arrays.equals(s.std, std)
        && Arrays.equals(s.min, min)
        && Arrays.equals(s.max, max);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * Arrays.hashCode(mean) + Arrays.hashCode(std)) + Arrays.hashCode(min))
        + Arrays.hashCode(max);
  }

  @Override
  public String toString() {
    return "NormalizationStats{mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + (min == null ? "" : ", min=" + Arrays.toString(min) + ", max=" + Arrays.toString(max))
        + "}";
  }
}
