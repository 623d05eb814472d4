package dev.freshet.pipelines.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Model lifecycle events on the {@code model-events} topic: one JSON object per decision, keyed by
 * the version it concerns, with {@code type}, {@code version}, {@code at}, {@code source} and the
 * evidence or reason. The registry is the source of truth (serving watches its production pointer);
 * these events tell people and other services what happened and why.
 */
public final class ModelEvents implements AutoCloseable {
  /** Event types. */
  public static final String REGISTERED = "registered";

  public static final String PROMOTED = "promoted";
  public static final String ROLLED_BACK = "rolled_back";
  public static final String REFUSED = "refused";

  /** Serving verified a new production version and scores with it from its next bundle. */
  public static final String SWAPPED = "swapped";

  /** The learner registered a candidate that passed the offline gate; evidence attached. */
  public static final String CANDIDATE = "candidate";

  /** The learner's candidate failed the offline gate and was not registered; reasons attached. */
  public static final String CANDIDATE_REJECTED = "candidate_rejected";

  /**
   * Serving's drift monitor: a feature of a window of scored events moved away from the scoring
   * version's training distribution (PSI at or above the threshold); the statistics attached.
   */
  public static final String DRIFT = "drift";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaProducer<String, String> producer;
  private final String topic;

  private ModelEvents(KafkaProducer<String, String> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** A publisher to {@code topic}; call {@link #close()} when done. */
  public static ModelEvents to(String bootstrapServers, String topic) {
    return new ModelEvents(
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
                ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(),
            new StringSerializer()),
        topic);
  }

  /** A new event of {@code type} about {@code version}, stamped now; add evidence to it. */
  public static ObjectNode event(String type, String version, String source) {
    return JSON.createObjectNode()
        .put("type", type)
        .put("version", version)
        .put("at", Instant.now().toString())
        .put("source", source);
  }

  /** Sends one event and waits for the broker to acknowledge it. */
  public void publish(ObjectNode event) {
    try {
      producer
          .send(new ProducerRecord<>(topic, event.path("version").asText(), event.toString()))
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
