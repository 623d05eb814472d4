package dev.freshet.pipelines.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.encodings.RecordEncoding;
import dev.freshet.pipelines.encodings.TopicEncoding;
import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.EncodingOptions;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.RecordDecoder;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/** {@code freshet replay} against a real in-process broker. */
public class ReplayCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafka kafka;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    KafkaTopics.create(kafka.bootstrapServers(), 2, List.of("replayed", "replayed-outcomes"));
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  @Test
  public void replayProducesEventsAndOutcomesInTimeOrderStampedWithTheirTime() throws Exception {
    ReplayCommand replay = new ReplayCommand();
    replay.events = TestDataFiles.fraudSampleEvents().toString();
    replay.outcomes = TestDataFiles.fraudSampleOutcomes().toString();
    replay.bootstrapServers = kafka.bootstrapServers();
    replay.topic = "replayed";
    replay.outcomesTopic = "replayed-outcomes";
    replay.timeField = "event_time";
    replay.outcomeTimeField = "outcome_time";
    replay.keyField = "card_id";
    replay.rate = 5000;
    replay.limit = 3000;
    ReplayCommand.Summary summary = replay.replay(new PrintStream(OutputStream.nullOutputStream()));
    assertThat(summary.produced()).isEqualTo(3000);
    assertThat(summary.outcomes()).isPositive();

    Map<String, Long> lastTimeByCard = new HashMap<>();
    long consumed = 0;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "replay-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of("replayed"));
      long deadline = System.currentTimeMillis() + 30_000;
      while (consumed < summary.events() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(java.time.Duration.ofMillis(500))) {
          long eventTime =
              java.time.Instant.parse(JSON.readTree(r.value()).get("event_time").asText())
                  .toEpochMilli();
          assertThat(r.timestamp()).isEqualTo(eventTime);
          Long previous = lastTimeByCard.put(r.key(), eventTime);
          assertThat(previous == null || previous <= eventTime)
              .as("card %s in time order", r.key())
              .isTrue();
          consumed++;
        }
      }
    }
    assertThat(consumed).isEqualTo(summary.events());
  }

  /**
   * The same events and outcomes replayed in each encoding, set by replay's options, and read back
   * with the decoders serve builds from the same options: the rows are those of the JSON lines,
   * each record stamped with its time, and the Confluent records carry the schema ids asked for.
   */
  @Test
  public void replayWritesEachEncodingAsServeReadsIt() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    Path registryExport = tmp.newFolder("schemas").toPath();
    Files.copy(TestDataFiles.fraudPaymentsAvroSchema(), registryExport.resolve("41.avsc"));
    Files.copy(TestDataFiles.fraudChargebacksAvroSchema(), registryExport.resolve("42.avsc"));
    List<String> eventLines = Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 200);
    List<String> outcomeLines = Files.readAllLines(TestDataFiles.fraudSampleOutcomes());
    Path eventsFile = tmp.newFile("events.jsonl").toPath();
    Files.write(eventsFile, eventLines);
    RecordParser eventParser = new RecordParser(spec.events());
    RecordParser outcomeParser = new RecordParser(spec.outcomes());
    Set<Row> expectedEvents = new HashSet<>();
    eventLines.forEach(l -> expectedEvents.add(eventParser.parseJson(l).row()));
    Set<Row> expectedOutcomes = new HashSet<>();
    outcomeLines.forEach(l -> expectedOutcomes.add(outcomeParser.parseJson(l).row()));

    for (RecordEncoding encoding : RecordEncoding.values()) {
      String topic = "encoded-" + encoding.name().toLowerCase(Locale.ROOT);
      KafkaTopics.create(kafka.bootstrapServers(), 2, List.of(topic, topic + "-outcomes"));
      // What serve and learn are given too.
      List<String> encodingOptions =
          new ArrayList<>(
              List.of("--eventsEncoding=" + encoding, "--outcomesEncoding=" + encoding));
      switch (encoding) {
        case JSON -> {}
        case AVRO ->
            encodingOptions.addAll(
                List.of(
                    "--eventsSchema=" + TestDataFiles.fraudPaymentsAvroSchema(),
                    "--outcomesSchema=" + TestDataFiles.fraudChargebacksAvroSchema()));
        case CONFLUENT_AVRO ->
            encodingOptions.addAll(
                List.of("--eventsSchema=" + registryExport, "--outcomesSchema=" + registryExport));
        case PROTOBUF ->
            encodingOptions.addAll(
                List.of(
                    "--eventsSchema=" + TestDataFiles.fraudProtoDescriptors(),
                    "--eventsMessage=" + TestDataFiles.FRAUD_PAYMENT_MESSAGE,
                    "--outcomesSchema=" + TestDataFiles.fraudProtoDescriptors(),
                    "--outcomesMessage=" + TestDataFiles.FRAUD_CHARGEBACK_MESSAGE));
      }
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--events=" + eventsFile,
                  "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--topic=" + topic,
                  "--outcomesTopic=" + topic + "-outcomes",
                  "--keyField=card_id"));
      args.addAll(encodingOptions);
      if (encoding == RecordEncoding.CONFLUENT_AVRO) {
        args.addAll(List.of("--eventsSchemaId=41", "--outcomesSchemaId=42"));
      }
      ReplayCommand replay = new ReplayCommand();
      new CommandLine(replay).parseArgs(args.toArray(new String[0]));
      ReplayCommand.Summary summary =
          replay.replay(new PrintStream(OutputStream.nullOutputStream()));
      assertThat(summary.events()).as(encoding.name()).isEqualTo(eventLines.size());
      assertThat(summary.outcomes()).as(encoding.name()).isEqualTo(outcomeLines.size());

      EncodingOptions serve =
          PipelineOptionsFactory.fromArgs(encodingOptions.toArray(new String[0]))
              .as(EncodingOptions.class);
      Function<byte[], RecordParser.Result> events =
          reader(EncodedTopic.eventsEncoding(serve), spec, spec.events());
      Function<byte[], RecordParser.Result> outcomes =
          reader(EncodedTopic.outcomesEncoding(serve), spec, spec.outcomes());
      Set<Row> gotEvents = new HashSet<>();
      Set<Row> gotOutcomes = new HashSet<>();
      for (ConsumerRecord<String, byte[]> r :
          consume(List.of(topic, topic + "-outcomes"), summary.produced())) {
        boolean isEvent = r.topic().equals(topic);
        if (encoding == RecordEncoding.CONFLUENT_AVRO) {
          assertThat(r.value()[0]).isZero();
          assertThat(ByteBuffer.wrap(r.value(), 1, 4).getInt()).isEqualTo(isEvent ? 41 : 42);
        }
        RecordParser.Result row = (isEvent ? events : outcomes).apply(r.value());
        assertThat(row.ok()).as("%s: %s", encoding, row.detail()).isTrue();
        String timeField = isEvent ? "event_time" : "outcome_time";
        assertThat(r.timestamp()).isEqualTo(row.row().getDateTime(timeField).getMillis());
        (isEvent ? gotEvents : gotOutcomes).add(row.row());
      }
      assertThat(gotEvents).as(encoding.name()).isEqualTo(expectedEvents);
      assertThat(gotOutcomes).as(encoding.name()).isEqualTo(expectedOutcomes);
    }
  }

  /** How serve reads a record of {@code encoding}: parsed as JSON, or decoded. */
  private static Function<byte[], RecordParser.Result> reader(
      TopicEncoding encoding, FeatureSpec spec, EventSchema schema) throws IOException {
    RecordParser parser = new RecordParser(schema);
    if (encoding.isJson()) {
      return value -> parser.parseJson(new String(value, StandardCharsets.UTF_8));
    }
    RecordDecoder<byte[]> decoder = encoding.decoder(spec.name(), schema);
    decoder.setup();
    return value -> decoder.decode(value, parser);
  }

  /** The first {@code count} records of {@code topics}, waiting for them up to 30 s. */
  private static List<ConsumerRecord<String, byte[]>> consume(List<String> topics, long count) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "read-" + topics.get(0),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(topics);
      long deadline = System.currentTimeMillis() + 30_000;
      while (records.size() < count && System.currentTimeMillis() < deadline) {
        consumer.poll(java.time.Duration.ofMillis(500)).forEach(records::add);
      }
    }
    assertThat(records).as("records of %s", topics).hasSize((int) count);
    return records;
  }

  /** Parquet rows are records too, read through Beam's file systems as JSON lines are. */
  @Test
  public void replayProducesTheRowsOfAParquetFile() throws Exception {
    KafkaTopics.create(kafka.bootstrapServers(), 1, List.of("flights"));
    ReplayCommand replay = new ReplayCommand();
    new CommandLine(replay)
        .parseArgs(
            "--events=" + TestDataFiles.flightsSlice(),
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topic=flights",
            "--timeField=date",
            "--keyField=origin",
            "--limit=500");
    ReplayCommand.Summary summary = replay.replay(new PrintStream(OutputStream.nullOutputStream()));
    assertThat(summary.events()).isEqualTo(500);
    for (ConsumerRecord<String, byte[]> r : consume(List.of("flights"), 500)) {
      JsonNode flight = JSON.readTree(r.value());
      assertThat(r.key()).isEqualTo(flight.get("origin").asText());
      assertThat(r.timestamp()).isEqualTo(flight.get("date").asLong());
    }
  }

  @Test
  public void aBadEncodingFailsBeforeAnythingIsSent() {
    ReplayCommand replay = new ReplayCommand();
    new CommandLine(replay)
        .parseArgs(
            "--events=" + TestDataFiles.fraudSampleEvents(),
            "--bootstrapServers=127.0.0.1:1",
            "--eventsEncoding=CONFLUENT_AVRO",
            "--eventsSchema=" + TestDataFiles.root().resolve("fraud"));
    assertThatThrownBy(() -> replay.replay(new PrintStream(OutputStream.nullOutputStream())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--eventsEncoding=CONFLUENT_AVRO needs --eventsSchemaId");
  }

  @Test
  public void helpDescribesTheEncodingOptions() {
    String help = new CommandLine(new ReplayCommand()).setUsageHelpWidth(300).getUsageMessage();
    assertThat(help)
        .contains("--eventsEncoding=<eventsEncoding>")
        .contains("JSON (the lines as they are), AVRO, CONFLUENT_AVRO or PROTOBUF")
        .contains("--eventsSchema=")
        .contains("--eventsMessage=")
        .contains("--eventsSchemaId=")
        .contains("--outcomesEncoding=")
        .contains("--outcomesSchema=")
        .contains("--outcomesMessage=")
        .contains("--outcomesSchemaId=");
  }
}
