package dev.freshet.model.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.freshet.model.FeatureLayout;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Mean and standard deviation of each numeric column, computed once from training data and stored
 * in the model; serving applies them and never recomputes them.
 *
 * <p>Non-finite training values are ignored. A column with no finite value, or a (near) constant
 * column, gets mean 0 / std 1 resp. std 1 so that scaling never divides by zero.
 */
public final class NormalizationStats implements Serializable {
  private static final double MIN_STD = 1e-6;

  private final double[] mean;
  private final double[] std;

  @JsonCreator
  public NormalizationStats(
      @JsonProperty("mean") double[] mean, @JsonProperty("std") double[] std) {
    if (mean.length != std.length) {
      throw new IllegalArgumentException("mean and std lengths differ");
    }
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /** Welford statistics of the layout's numeric columns over {@code rows}. */
  public static NormalizationStats fit(FeatureLayout layout, float[][] rows) {
    int[] numeric = layout.numericIndices();
    double[] mean = new double[numeric.length];
    double[] m2 = new double[numeric.length];
    long[] n = new long[numeric.length];
    for (float[] row : rows) {
      for (int j = 0; j < numeric.length; j++) {
        float v = row[numeric[j]];
        if (Float.isFinite(v)) {
          n[j]++;
          double delta = v - mean[j];
          mean[j] += delta / n[j];
          m2[j] += delta * (v - mean[j]);
        }
      }
    }
    double[] std = new double[numeric.length];
    for (int j = 0; j < numeric.length; j++) {
      double s = n[j] > 1 ? Math.sqrt(m2[j] / (n[j] - 1)) : 1.0;
      std[j] = s < MIN_STD ? 1.0 : s;
    }
    return new NormalizationStats(mean, std);
  }

  @JsonProperty
  public double[] mean() {
    return mean.clone();
  }

  @JsonProperty
  public double[] std() {
    return std.clone();
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

  @Override
  public boolean equals(Object o) {
    return o instanceof NormalizationStats s
        && Arrays.equals(s.mean, mean)
        && Arrays.equals(s.std, std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "NormalizationStats{mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + "}";
  }
}
