package dev.freshet.pipelines.kafka;

import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
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
    return new Policy<>(maxOutOfOrder, previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE));
  }

  private static final class Policy<K, V> extends TimestampPolicy<K, V> {
    private final Duration maxOutOfOrder;
    private Instant watermark;

    Policy(Duration maxOutOfOrder, Instant initial) {
      this.maxOutOfOrder = maxOutOfOrder;
      this.watermark = initial;
    }

    @Override
    public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<K, V> record) {
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
