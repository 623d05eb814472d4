package dev.freshet.pipelines.kafka;

import dev.freshet.model.events.ModelEvent;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes {@link ModelEvent}s on the {@code model-events} topic from outside a pipeline (serve's
 * model watcher, {@code freshet models}): one JSON object per decision, keyed by the version it
 * concerns. Pipelines write theirs with {@link KafkaTopics#write}.
 */
public final class ModelEvents implements AutoCloseable {
  private final KafkaProducer<String, String> producer;
  private final String topic;

  private ModelEvents(KafkaProducer<String, String> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** A publisher to {@code topic}; call {@link #close()} when done. */
  public static ModelEvents to(KafkaClients clients, String topic) {
    return new ModelEvents(
        new KafkaProducer<>(
            clients.config(
                Map.of(
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
                    ProducerConfig.ACKS_CONFIG, "all")),
            new StringSerializer(),
            new StringSerializer()),
        topic);
  }

  /** Sends one event and waits for the broker to acknowledge it. */
  public void publish(ModelEvent event) {
    try {
      producer
          .send(new ProducerRecord<>(topic, event.version(), event.toJson()))
          .get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "could not publish a model event to topic " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
