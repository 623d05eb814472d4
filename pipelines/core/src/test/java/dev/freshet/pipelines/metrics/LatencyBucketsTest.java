package dev.freshet.pipelines.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.Test;

public class LatencyBucketsTest {
  @Test
  public void anObservationFallsInTheFirstBucketWhoseBoundHoldsIt() {
    assertThat(LatencyBuckets.firstBucket(0)).isEqualTo(0);
    assertThat(LatencyBuckets.firstBucket(5)).isEqualTo(0);
    assertThat(LatencyBuckets.firstBucket(6)).isEqualTo(1);
    assertThat(LatencyBuckets.label(LatencyBuckets.firstBucket(250))).isEqualTo("le_250");
    assertThat(LatencyBuckets.label(LatencyBuckets.firstBucket(251))).isEqualTo("le_500");
    assertThat(LatencyBuckets.label(LatencyBuckets.firstBucket(300_000))).isEqualTo("le_300000");
    assertThat(LatencyBuckets.label(LatencyBuckets.firstBucket(300_001))).isEqualTo("le_inf");
  }

  @Test
  public void aClockBehindTheEventCountsAsNoLatency() {
    assertThat(LatencyBuckets.firstBucket(-40)).isEqualTo(0);
  }

  @Test
  public void everyBoundHasABucketAndTheLastIsUnbounded() {
    assertThat(LatencyBuckets.count()).isEqualTo(LatencyBuckets.BOUNDS_MILLIS.length + 1);
    assertThat(LatencyBuckets.label(LatencyBuckets.count() - 1)).isEqualTo("le_inf");
    assertThat(LatencyBuckets.BOUNDS_MILLIS).isSorted();
  }

  @Test
  public void namePartsAreSnakeCase() {
    assertThat(MetricNames.part("t1-Events.v2")).isEqualTo("t1_events_v2");
    assertThat(MetricNames.part("CHALLENGER")).isEqualTo("challenger");
  }
}
