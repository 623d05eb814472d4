package dev.freshet.pipelines.cli.status;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything on the {@code model-events} topic up to its end when read, oldest first: read with an
 * assigned consumer that commits nothing and joins no group, so it leaves no trace on the brokers.
 * Records that are not model events are counted, not parsed.
 */
record ModelEventLog(List<ModelEvent> events, int unreadable) {

  /** Reads {@code topic} from its beginning to the end offsets it had when the read started. */
  static ModelEventLog read(KafkaClients clients, String topic, Duration timeout) {
    Map<String, Object> config =
        clients.config(
            Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                KafkaTopics.READ_COMMITTED));
    List<ModelEvent> events = new ArrayList<>();
    int unreadable = 0;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read topic " + topic + " to its end within " + timeout.toSeconds() + " s");
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            events.add(ModelEvent.parse(r.value()));
          } catch (RuntimeException e) {
            unreadable++;
          }
        }
      }
    }
    // Partitions interleave: order by when each decision was taken.
    events.sort(Comparator.comparing(ModelEvent::at));
    return new ModelEventLog(List.copyOf(events), unreadable);
  }

  private static boolean reached(
      KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
