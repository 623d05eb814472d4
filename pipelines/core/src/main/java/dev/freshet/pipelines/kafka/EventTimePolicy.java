package dev.freshet.pipelines.kafka;

import dev.freshet.pipelines.metrics.MetricNames;
import dev.freshet.transforms.events.ParseEvents;
import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Element time is the record's CreateTime (Freshet's producers stamp it with the event time); the
 * watermark of a partition is the newest record time seen there minus the allowed out-of-orderness.
 *
 * <p>Unlike {@code withCreateTime}, a caught-up partition does <em>not</em> move its watermark to
 * the wall clock. The data's own clock drives event-time timers (label timeouts, state expiry), so
 * a stream replayed from the past at an accelerated clock behaves exactly like a live one: labels
 * are not timed out early just because the reader caught up. An idle partition holds its watermark.
 *
 * <p>It also reports the reader's lag on each partition, the records between the last one read and
 * the partition's end (KafkaIO refreshes the end offsets every few seconds), as the gauge {@code
 * kafka_consumer_lag_records_<topic>_<partition>} each time it stamps a record: KafkaIO itself only
 * reports the backlog of a whole reader split.
 */
public final class EventTimePolicy<K, V> implements TimestampPolicyFactory<K, V> {
  private final Duration maxOutOfOrder;

  private EventTimePolicy(Duration maxOutOfOrder) {
    this.maxOutOfOrder = maxOutOfOrder;
  }

  public static <K, V> EventTimePolicy<K, V> withMaxOutOfOrder(Duration maxOutOfOrder) {
    return new EventTimePolicy<>(maxOutOfOrder);
  }

  @Override
  public TimestampPolicy<K, V> createTimestampPolicy(
      TopicPartition partition, Optional<Instant> previousWatermark) {
    return new Policy<>(
        maxOutOfOrder,
        previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE),
        Metrics.gauge(ParseEvents.METRICS_NAMESPACE, lagGaugeName(partition)));
  }

  /** {@code kafka_consumer_lag_records_<topic>_<partition>}, in snake case. */
  static String lagGaugeName(TopicPartition partition) {
    return "kafka_consumer_lag_records_"
        + MetricNames.part(partition.topic())
        + "_"
        + partition.partition();
  }

  private static final class Policy<K, V> extends TimestampPolicy<K, V> {
    private final Duration maxOutOfOrder;
    private final Gauge lag;
    private Instant watermark;

    Policy(Duration maxOutOfOrder, Instant initial, Gauge lag) {
      this.maxOutOfOrder = maxOutOfOrder;
      this.watermark = initial;
      this.lag = lag;
    }

    @Override
    public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<K, V> record) {
      long backlog = ctx.getMessageBacklog();
      if (backlog >= 0) {
        // The backlog still counts this record (KafkaIO advances its offset after stamping it).
        lag.set(Math.max(0, backlog - 1));
      }
      Instant time = new Instant(record.getTimestamp());
      Instant candidate = time.minus(maxOutOfOrder);
      if (candidate.isAfter(watermark)) {
        watermark = candidate;
      }
      return time;
    }

    @Override
    public Instant getWatermark(PartitionContext ctx) {
      return watermark;
    }
  }
}
