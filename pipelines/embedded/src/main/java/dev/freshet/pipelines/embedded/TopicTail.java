package dev.freshet.pipelines.embedded;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads topics from the beginning with a throw-away consumer group: how the local run and the tests
 * read back predictions, dead letters and model events.
 */
public final class TopicTail implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;

  private TopicTail(KafkaConsumer<String, String> consumer) {
    this.consumer = consumer;
  }

  public static TopicTail of(String bootstrapServers, Collection<String> topics) {
    return of(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topics);
  }

  /** A tail whose consumer starts from {@code client} (servers, security settings). */
  public static TopicTail of(Map<String, Object> client, Collection<String> topics) {
    Map<String, Object> config = new HashMap<>(client);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "freshet-tail-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // As Freshet's readers: records of aborted transactions (an exactly-once sink's) are skipped.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    consumer.subscribe(topics);
    return new TopicTail(consumer);
  }

  /**
   * Hands every record to {@code sink} until {@code done} holds; returns false if {@code timeout}
   * passed first.
   */
  public boolean pollUntil(
      BooleanSupplier done, Duration timeout, Consumer<ConsumerRecord<String, String>> sink) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      poll(sink);
    }
    return true;
  }

  /** One short poll (at most 50 ms), handing what arrived to {@code sink}. */
  public void poll(Consumer<ConsumerRecord<String, String>> sink) {
    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
      sink.accept(r);
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
