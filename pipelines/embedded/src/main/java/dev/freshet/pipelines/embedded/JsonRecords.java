package dev.freshet.pipelines.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * JSON events on Kafka as tests and the local run send them: keyed by one field (the fraud stream's
 * card, so a card's events keep their order in one partition) and timestamped with the event's own
 * time, so that serve's record-time policies see event time.
 *
 * <pre>{@code
 * JsonRecords.produce(kafka.bootstrapServers(), "events", lines, "event_time", "card_id");
 * }</pre>
 */
public final class JsonRecords {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonRecords() {}

  /** A producer of string records that waits for every in-sync replica ({@code acks=all}). */
  public static KafkaProducer<String, String> producer(String bootstrapServers) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        new StringSerializer());
  }

  /** The record of {@code json} keyed by its {@code keyField}, timestamped with its time field. */
  public static ProducerRecord<String, String> keyedAndTimed(
      String topic, String json, String timeField, String keyField) {
    JsonNode n = read(json);
    return new ProducerRecord<>(
        topic,
        null,
        Instant.parse(n.get(timeField).asText()).toEpochMilli(),
        text(n, keyField),
        json);
  }

  /**
   * Sends {@code records} to {@code topic} in the order given (see {@link #keyedAndTimed}) and
   * returns when the brokers have acknowledged every one; a failed send is thrown.
   */
  public static void produce(
      String bootstrapServers,
      String topic,
      List<String> records,
      String timeField,
      String keyField) {
    try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
      for (String r : records) {
        sent.add(producer.send(keyedAndTimed(topic, r, timeField, keyField)));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending to " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a record for " + topic + " was not sent", e.getCause());
    }
  }

  /** The text of {@code field} of a JSON object. */
  public static String text(String json, String field) {
    return text(read(json), field);
  }

  /** The instant (ISO-8601) of {@code field} of a JSON object. */
  public static Instant time(String json, String field) {
    return Instant.parse(text(json, field));
  }

  /** Parses a JSON text; malformed text is an {@link UncheckedIOException}. */
  public static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("no field '" + field + "' in " + n);
    }
    return v.asText();
  }
}
