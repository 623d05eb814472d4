package dev.freshet.pipelines.skew;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Compares two feature vectors column by column: equal values (a NaN equals a NaN), or, with a
 * tolerance above zero, values at most that far apart. Exact by default because the design promises
 * bit-identical vectors; the tolerance is for paths that are known to round differently.
 */
public final class VectorDiff implements Serializable {
  private final double tolerance;

  private VectorDiff(double tolerance) {
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException(
          "--tolerance must be a finite number at least 0, got " + tolerance);
    }
    this.tolerance = tolerance;
  }

  /** Exact equality. */
  public static VectorDiff exact() {
    return new VectorDiff(0);
  }

  /** Values at most {@code tolerance} apart count as equal. */
  public static VectorDiff within(double tolerance) {
    return new VectorDiff(tolerance);
  }

  public double tolerance() {
    return tolerance;
  }

  /** Whether two values count as equal. */
  public boolean same(float a, float b) {
    if (a == b || (Float.isNaN(a) && Float.isNaN(b))) {
      return true;
    }
    return tolerance > 0 && Math.abs((double) a - (double) b) <= tolerance;
  }

  /**
   * The indices where {@code a} and {@code b} differ, in increasing order; when the lengths differ,
   * every index past the shorter one differs too.
   */
  public int[] differing(float[] a, float[] b) {
    int n = Math.max(a.length, b.length);
    int[] out = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      if (i >= a.length || i >= b.length || !same(a[i], b[i])) {
        out[count++] = i;
      }
    }
    return Arrays.copyOf(out, count);
  }
}
