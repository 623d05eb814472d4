package dev.freshet.pipelines.cli.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.cli.BeamFileSystems;
import dev.freshet.pipelines.cli.KafkaSettings;
import dev.freshet.pipelines.encodings.RecordEncoder;
import dev.freshet.pipelines.encodings.RecordEncoding;
import dev.freshet.pipelines.encodings.TopicEncoding;
import dev.freshet.pipelines.io.RecordFiles;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code freshet replay}: produces a recorded log (events and, optionally, outcomes; JSON lines or
 * Parquet, on any Beam file system) to Kafka in event-time order, each record stamped with its own
 * time (CreateTime) and keyed by an entity field so that one entity's events stay in order, at an
 * accelerated clock or a fixed rate. Each topic's records are written in the encoding its producers
 * would use (JSON, Avro, the Confluent wire format or Protobuf; see {@link TopicEncoding}), so
 * serve, learn and archive can be tried against exactly what they will read.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay events (and outcomes) from files to Kafka in event-time order, rate-controlled,",
      "as JSON, Avro, Confluent wire-format Avro or Protobuf (--eventsEncoding, ...).",
      "Records are stamped with their event time: topics receiving events older than their"
          + " retention.ms delete them at the next retention check (use retention.ms=-1)."
    })
public final class ReplayCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--events",
      required = true,
      description =
          "Events: a file or pattern of JSON lines (.jsonl, optionally .gz) or Parquet, local,"
              + " gs:// or s3:// (Beam's file-system options, e.g. --awsRegion, configure the"
              + " store).")
  String events;

  @Option(
      names = "--outcomes",
      description = "Outcomes, as --events; interleaved with the events by time.")
  String outcomes;

  @Option(names = "--bootstrapServers", required = true, description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Mixin KafkaSettings kafkaSettings = new KafkaSettings();

  /** Beam's file-system options for the files and schemas (see {@link BeamFileSystems}). */
  @Unmatched List<String> fileSystemOptions = new ArrayList<>();

  /** Set by {@link #of}: clients built by the caller, instead of the options above. */
  private KafkaClients kafka;

  @Option(
      names = "--topic",
      defaultValue = "events",
      description = "Events topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--outcomesTopic",
      defaultValue = "outcomes",
      description = "Outcomes topic (default: ${DEFAULT-VALUE}).")
  String outcomesTopic;

  @Option(
      names = "--timeField",
      defaultValue = "event_time",
      description = "Event time field (default: ${DEFAULT-VALUE}).")
  String timeField;

  @Option(
      names = "--outcomeTimeField",
      defaultValue = "outcome_time",
      description = "Outcome time field (default: ${DEFAULT-VALUE}).")
  String outcomeTimeField;

  @Option(
      names = "--keyField",
      defaultValue = "event_id",
      description = "Field used as the record key, e.g. card_id (default: ${DEFAULT-VALUE}).")
  String keyField;

  @Option(
      names = "--speedup",
      defaultValue = "0",
      description =
          "Replay stream time this many times faster than it happened; 0 = as fast as --rate allows.")
  double speedup;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "At most this many records per second; 0 = unlimited.")
  double rate;

  @Option(
      names = "--until",
      description =
          "Stop at this stream time (ISO-8601), e.g. the last event's time to leave out outcomes that arrive later.")
  Instant until;

  @Option(
      names = "--unpacedAfter",
      description =
          "Send the records after this stream time (ISO-8601) without pacing, e.g. the outcomes that follow the last event.")
  Instant unpacedAfter;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Stop after this many records; 0 = all.")
  long limit;

  @Option(
      names = "--eventsEncoding",
      defaultValue = "JSON",
      description =
          "How to write the events: JSON (the lines as they are), AVRO, CONFLUENT_AVRO or PROTOBUF"
              + " (default: ${DEFAULT-VALUE}); as serve reads them with the same option.")
  RecordEncoding eventsEncoding = RecordEncoding.JSON;

  @Option(
      names = "--eventsSchema",
      description =
          "AVRO: the writer schema (.avsc); CONFLUENT_AVRO: the directory of <id>.avsc files;"
              + " PROTOBUF: the FileDescriptorSet (protoc --include_imports"
              + " --descriptor_set_out=FILE). Any file system Freshet reads.")
  String eventsSchema;

  @Option(
      names = "--eventsMessage",
      description = "PROTOBUF: the full name of the events' message type in --eventsSchema.")
  String eventsMessage;

  @Option(
      names = "--eventsSchemaId",
      description =
          "CONFLUENT_AVRO: the schema id written in each event's header; its writer schema is"
              + " <id>.avsc in --eventsSchema.")
  Integer eventsSchemaId;

  @Option(
      names = "--outcomesEncoding",
      defaultValue = "JSON",
      description =
          "How to write the outcomes: JSON, AVRO, CONFLUENT_AVRO or PROTOBUF (default:"
              + " ${DEFAULT-VALUE}), with --outcomesSchema, --outcomesMessage, --outcomesSchemaId"
              + " as for the events.")
  RecordEncoding outcomesEncoding = RecordEncoding.JSON;

  @Option(names = "--outcomesSchema", description = "The outcomes' schema, as --eventsSchema.")
  String outcomesSchema;

  @Option(
      names = "--outcomesMessage",
      description = "PROTOBUF: the full name of the outcomes' message type in --outcomesSchema.")
  String outcomesMessage;

  @Option(
      names = "--outcomesSchemaId",
      description = "CONFLUENT_AVRO: the schema id written in each outcome's header.")
  Integer outcomesSchemaId;

  /**
   * One record to produce: its JSON (as read) and the value written, the JSON in the topic's
   * encoding.
   */
  public record Timed(long timeMillis, String topic, String key, String json, byte[] value) {}

  /** Told of each record as it is handed to the producer, with the wall-clock time. */
  @FunctionalInterface
  public interface SendListener {
    void sent(Timed record, long wallMillis);
  }

  /** A replay of {@code events} and {@code outcomes} (may be null) keyed by {@code keyField}. */
  public static ReplayCommand of(
      Path events, Path outcomes, KafkaClients kafka, String keyField, double speedup) {
    ReplayCommand r = new ReplayCommand();
    r.events = events.toString();
    r.outcomes = outcomes == null ? null : outcomes.toString();
    r.kafka = kafka;
    r.keyField = keyField;
    r.speedup = speedup;
    r.topic = "events";
    r.outcomesTopic = "outcomes";
    r.timeField = "event_time";
    r.outcomeTimeField = "outcome_time";
    return r;
  }

  /** Stops at stream time {@code end}: later records (outcomes, mostly) are not sent. */
  public ReplayCommand until(Instant end) {
    this.until = end;
    return this;
  }

  /** Sends the records after stream time {@code time} as fast as possible (a trailing tail). */
  public ReplayCommand unpacedAfter(Instant time) {
    this.unpacedAfter = time;
    return this;
  }

  /** Sends to these topics instead of {@code events} and {@code outcomes}. */
  public ReplayCommand toTopics(String eventsTopic, String outcomesTopicName) {
    this.topic = eventsTopic;
    this.outcomesTopic = outcomesTopicName;
    return this;
  }

  @Override
  public Integer call() throws Exception {
    BeamFileSystems.register(fileSystemOptions);
    Summary s = replay(System.out);
    return s.produced() > 0 ? 0 : 1;
  }

  /** What was produced. */
  public record Summary(long produced, long events, long outcomes, double seconds) {}

  public Summary replay(PrintStream out) throws IOException, InterruptedException {
    return replay(out, (record, wallMillis) -> {});
  }

  public Summary replay(PrintStream out, SendListener listener)
      throws IOException, InterruptedException {
    // A bad encoding fails before Kafka is asked.
    TopicEncoding eventsAs = encoding("events", eventsEncoding, eventsSchema, eventsMessage);
    RecordEncoder eventsEncoder = eventsAs.encoder(eventsSchemaId);
    TopicEncoding outcomesAs =
        encoding("outcomes", outcomesEncoding, outcomesSchema, outcomesMessage);
    RecordEncoder outcomesEncoder = outcomes == null ? null : outcomesAs.encoder(outcomesSchemaId);
    KafkaClients kafka = this.kafka != null ? this.kafka : kafkaSettings.clients(bootstrapServers);
    List<String> topics = new ArrayList<>(List.of(topic));
    if (outcomes != null) {
      topics.add(outcomesTopic);
    }
    // Unreachable brokers, refused credentials and missing topics fail here, saying which.
    KafkaTopics.requireReachable(kafka, topics, java.time.Duration.ofSeconds(5));
    // Every record is encoded before any is sent: one the schema cannot hold stops the replay.
    List<Timed> records =
        new ArrayList<>(read("--events", events, topic, timeField, keyField, eventsEncoder));
    if (outcomes != null) {
      records.addAll(
          read(
              "--outcomes",
              outcomes,
              outcomesTopic,
              outcomeTimeField,
              "event_id",
              outcomesEncoder));
    }
    records.sort(Comparator.comparingLong(Timed::timeMillis));
    if (until != null) {
      long end = until.toEpochMilli();
      records = new ArrayList<>(records.stream().filter(r -> r.timeMillis() <= end).toList());
    }
    if (limit > 0 && records.size() > limit) {
      records = records.subList(0, (int) limit);
    }
    out.printf(
        "replaying %,d records from %s to %s (%s)%s%n",
        records.size(),
        records.isEmpty() ? "-" : Instant.ofEpochMilli(records.get(0).timeMillis()),
        kafka.describe(),
        speedup > 0
            ? speedup + "x stream time"
            : rate > 0 ? rate + " records/s" : "as fast as possible",
        eventsAs.isJson() && (outcomes == null || outcomesAs.isJson())
            ? ""
            : ", events as "
                + eventsAs.encoding()
                + (outcomes == null ? "" : ", outcomes as " + outcomesAs.encoding()));
    long events = 0;
    long start = System.nanoTime();
    // Values as bytes: JSON as its UTF-8 bytes (what a StringSerializer writes), others encoded.
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            kafka.config(
                Map.of(
                    ProducerConfig.LINGER_MS_CONFIG, "1",
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000")),
            new StringSerializer(),
            new ByteArraySerializer())) {
      long first = records.isEmpty() ? 0 : records.get(0).timeMillis();
      for (int i = 0; i < records.size(); i++) {
        Timed r = records.get(i);
        if (unpacedAfter == null || r.timeMillis() <= unpacedAfter.toEpochMilli()) {
          pace(start, i, r.timeMillis() - first);
        }
        producer.send(new ProducerRecord<>(r.topic(), null, r.timeMillis(), r.key(), r.value()));
        listener.sent(r, System.currentTimeMillis());
        if (r.topic().equals(topic)) {
          events++;
        }
        if (records.size() >= 10 && (i + 1) % (records.size() / 10) == 0) {
          out.printf("  %3d%%  %,d records%n", 100 * (i + 1) / records.size(), i + 1);
        }
      }
      producer.flush();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        "produced %,d records (%,d events) in %.1f s, %,.0f records/s%n",
        records.size(), events, seconds, records.size() / seconds);
    return new Summary(records.size(), events, records.size() - events, seconds);
  }

  /** Waits until record {@code i}, {@code streamMillis} after the first, is due. */
  private void pace(long start, int i, long streamMillis) throws InterruptedException {
    double dueSeconds = 0;
    if (speedup > 0) {
      dueSeconds = streamMillis / 1000.0 / speedup;
    }
    if (rate > 0) {
      dueSeconds = Math.max(dueSeconds, i / rate);
    }
    long waitNanos = (long) (dueSeconds * 1e9) - (System.nanoTime() - start);
    if (waitNanos > 1_000_000) {
      Thread.sleep(waitNanos / 1_000_000);
    }
  }

  private static TopicEncoding encoding(
      String stream, RecordEncoding encoding, String schema, String message) {
    return new TopicEncoding(
        stream, encoding == null ? RecordEncoding.JSON : encoding, schema, message);
  }

  /** The records of the files {@code option} names, each encoded; blank lines are skipped. */
  private static List<Timed> read(
      String option,
      String pattern,
      String topic,
      String timeField,
      String keyField,
      RecordEncoder encoder)
      throws IOException {
    List<String> lines = new ArrayList<>();
    try {
      RecordFiles.forEachJson(
          pattern,
          line -> {
            if (!line.isBlank()) {
              lines.add(line);
            }
          });
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(option + "=" + pattern + " matches no file", e);
    }
    List<Timed> out = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      JsonNode node = JSON.readTree(line);
      JsonNode time = node.get(timeField);
      long millis =
          time == null
              ? 0
              : time.isNumber() ? time.asLong() : Instant.parse(time.asText()).toEpochMilli();
      JsonNode key = node.get(keyField);
      byte[] value;
      try {
        value = encoder.encode(line);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            option
                + "="
                + pattern
                + " record "
                + (i + 1)
                + " cannot be written for "
                + topic
                + ": "
                + e.getMessage(),
            e);
      }
      out.add(new Timed(millis, topic, key == null ? null : key.asText(), line, value));
    }
    return out;
  }
}
