package dev.freshet.pipelines.metrics;

import java.util.Arrays;

/**
 * The fixed upper bounds, in milliseconds, of Freshet's latency histograms, and the arithmetic of a
 * cumulative (Prometheus-style) histogram over them: an observation of {@code ms} counts in every
 * bucket whose bound is at least {@code ms}, and always in the last, unbounded one ({@code inf}).
 *
 * <p>The bounds span 5 ms (scoring a warm bundle) to 5 minutes (a replay or a stalled job); they
 * are fixed so that histograms of different jobs, workers and runs can be summed.
 */
public final class LatencyBuckets {
  /** Upper bounds in milliseconds, ascending; a last bucket {@code inf} follows them. */
  public static final long[] BOUNDS_MILLIS = {
    5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000
  };

  private LatencyBuckets() {}

  /** How many buckets a histogram has: one per bound and the unbounded one. */
  public static int count() {
    return BOUNDS_MILLIS.length + 1;
  }

  /** The bucket's name suffix: {@code le_<bound>} or {@code le_inf} for the last. */
  public static String label(int bucket) {
    return bucket < BOUNDS_MILLIS.length ? "le_" + BOUNDS_MILLIS[bucket] : "le_inf";
  }

  /**
   * The first bucket an observation of {@code millis} falls in (it counts in that one and all after
   * it); a negative latency (a clock behind the event's) counts as 0.
   */
  public static int firstBucket(long millis) {
    int i = Arrays.binarySearch(BOUNDS_MILLIS, Math.max(0, millis));
    return i >= 0 ? i : -i - 1;
  }
}
