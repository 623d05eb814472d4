package dev.freshet.pipelines.cli.status;

import dev.freshet.pipelines.cli.status.LoopStatus.PartitionLag;
import dev.freshet.pipelines.cli.status.LoopStatus.ServeLag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Serve's lag: per partition of the events topic, its end offset minus the offset serve's consumer
 * group last committed: as fresh as the runner's last finalized checkpoint (serve commits offsets
 * only then; KafkaTopics#commitsOnCheckpoints), or the Kafka client's last auto-commit on Flink
 * with checkpointing off.
 */
final class ServeLagReader {
  private ServeLagReader() {}

  static ServeLag read(Admin admin, String group, String topic, Duration timeout)
      throws ExecutionException, InterruptedException, TimeoutException {
    long millis = timeout.toMillis();
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(millis, TimeUnit.MILLISECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(millis, TimeUnit.MILLISECONDS)
        .get(topic)
        .partitions()
        .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> ends =
        admin.listOffsets(latest).all().get(millis, TimeUnit.MILLISECONDS);

    List<PartitionLag> partitions = new ArrayList<>();
    long total = 0;
    boolean anyCommitted = false;
    for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
      long end = e.getValue().offset();
      OffsetAndMetadata offset = committed.get(e.getKey());
      if (offset == null) {
        partitions.add(new PartitionLag(e.getKey().partition(), end, null, null));
      } else {
        long lag = Math.max(0, end - offset.offset());
        partitions.add(new PartitionLag(e.getKey().partition(), end, offset.offset(), lag));
        total += lag;
        anyCommitted = true;
      }
    }
    partitions.sort(Comparator.comparingInt(PartitionLag::partition));
    if (!anyCommitted) {
      return new ServeLag(
          group,
          topic,
          partitions,
          null,
          "consumer group "
              + group
              + " has committed no offsets on "
              + topic
              + ": serve has not read it yet, or reads with another --consumerGroup (name it"
              + " here with --consumerGroup)");
    }
    return new ServeLag(group, topic, partitions, total, null);
  }
}
