package dev.freshet.pipelines.metrics;

import dev.freshet.transforms.events.ParseEvents;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * A latency histogram made of Beam counters, so that every runner's metric system carries it as
 * plain numbers: {@code <name>_bucket_le_<ms>} (cumulative, as Prometheus histograms are), {@code
 * <name>_bucket_le_inf}, {@code <name>_sum} (milliseconds) and {@code <name>_count}, in namespace
 * {@value ParseEvents#METRICS_NAMESPACE}. A Beam distribution would reach Flink's Prometheus
 * reporter as a non-numeric gauge and be dropped; counters can be summed over workers and turned
 * into quantiles with {@code histogram_quantile} (docs/metrics.md).
 *
 * <p>Observations are gathered in memory and added to the counters by {@link #flush}, once per
 * bundle. Create in {@code @Setup}; not thread-safe (one per DoFn instance).
 */
public final class LatencyHistogram {
  private final Counter[] buckets = new Counter[LatencyBuckets.count()];
  private final Counter sum;
  private final Counter count;
  private final long[] pending = new long[LatencyBuckets.count()];
  private long pendingSum;
  private long pendingCount;

  /** A histogram named {@code name} (a Prometheus-style base name ending in its unit). */
  public LatencyHistogram(String name) {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] =
          Metrics.counter(
              ParseEvents.METRICS_NAMESPACE, name + "_bucket_" + LatencyBuckets.label(i));
    }
    this.sum = Metrics.counter(ParseEvents.METRICS_NAMESPACE, name + "_sum");
    this.count = Metrics.counter(ParseEvents.METRICS_NAMESPACE, name + "_count");
  }

  /** Records one latency; nothing is reported before {@link #flush}. */
  public void observe(long millis) {
    pending[LatencyBuckets.firstBucket(millis)]++;
    pendingSum += Math.max(0, millis);
    pendingCount++;
  }

  /** Adds what was observed since the last flush to the counters. */
  public void flush() {
    if (pendingCount == 0) {
      return;
    }
    long cumulative = 0;
    for (int i = 0; i < pending.length; i++) {
      cumulative += pending[i];
      // Also when 0: a bucket exists (and can be scraped) from the first flush on.
      buckets[i].inc(cumulative);
      pending[i] = 0;
    }
    sum.inc(pendingSum);
    count.inc(pendingCount);
    pendingSum = 0;
    pendingCount = 0;
  }
}
