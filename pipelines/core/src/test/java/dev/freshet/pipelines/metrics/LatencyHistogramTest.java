package dev.freshet.pipelines.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.events.ParseEvents;
import java.io.Closeable;
import java.io.IOException;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.junit.Test;

/**
 * The histogram's counters in a runner's metrics container (the one Beam's runners use for a step):
 * cumulative buckets, sum and count, added at each flush.
 */
public class LatencyHistogramTest {
  private static final String NAME = "test_latency_milliseconds_";

  @Test
  public void bucketsAreCumulativeAndTheLastCountsEverything() throws IOException {
    MetricsContainerImpl step = new MetricsContainerImpl("Score");
    Closeable scope = MetricsEnvironment.scopedMetricsContainer(step);
    try (scope) {
      LatencyHistogram histogram = new LatencyHistogram("test_latency_milliseconds");
      for (long millis : new long[] {3, 7, 30}) {
        histogram.observe(millis);
      }
      histogram.flush();
      // A second bundle adds to the counters; a clock behind the event's counts as 0 ms.
      for (long millis : new long[] {30, 400_000, -5}) {
        histogram.observe(millis);
      }
      histogram.flush();
      histogram.flush(); // nothing new: nothing added
    }
    assertThat(counter(step, "bucket_le_5")).isEqualTo(2); // 3 and -5
    assertThat(counter(step, "bucket_le_10")).isEqualTo(3);
    assertThat(counter(step, "bucket_le_25")).isEqualTo(3);
    assertThat(counter(step, "bucket_le_50")).isEqualTo(5);
    assertThat(counter(step, "bucket_le_300000")).isEqualTo(5);
    assertThat(counter(step, "bucket_le_inf")).isEqualTo(6);
    assertThat(counter(step, "count")).isEqualTo(6);
    assertThat(counter(step, "sum")).isEqualTo(3 + 7 + 30 + 30 + 400_000);
  }

  @Test
  public void everyBucketExistsFromTheFirstFlushEvenWhenEmpty() throws IOException {
    MetricsContainerImpl step = new MetricsContainerImpl("Score");
    Closeable scope = MetricsEnvironment.scopedMetricsContainer(step);
    try (scope) {
      LatencyHistogram histogram = new LatencyHistogram("test_latency_milliseconds");
      histogram.observe(1_000_000);
      histogram.flush();
    }
    for (int b = 0; b < LatencyBuckets.count(); b++) {
      MetricName bucket =
          MetricName.named(
              ParseEvents.METRICS_NAMESPACE, NAME + "bucket_" + LatencyBuckets.label(b));
      assertThat(step.tryGetCounter(bucket)).as(bucket.getName()).isNotNull();
    }
    assertThat(counter(step, "bucket_le_300000")).isZero();
    assertThat(counter(step, "bucket_le_inf")).isEqualTo(1);
  }

  private static long counter(MetricsContainerImpl step, String suffix) {
    return step.getCounter(MetricName.named(ParseEvents.METRICS_NAMESPACE, NAME + suffix))
        .getCumulative();
  }
}
