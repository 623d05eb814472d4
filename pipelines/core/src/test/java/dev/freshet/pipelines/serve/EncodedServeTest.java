package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.archive.ArchiveJob;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.encodings.ConfluentWireFormat;
import dev.freshet.pipelines.encodings.RecordEncoder;
import dev.freshet.pipelines.encodings.RecordEncoding;
import dev.freshet.pipelines.encodings.TopicEncoding;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Serve reading events and outcomes that a platform's producers wrote in the Confluent wire format
 * (Avro with a Schema Registry id), against a real in-process broker on the direct runner: every
 * event is scored once, every malformed binary record is one dead letter with its reason and its
 * bytes; and every launch refuses a bad encoding setting before it connects to anything.
 */
public class EncodedServeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  @Test
  public void serveScoresConfluentAvroEventsAndDeadLettersMalformedRecords() throws Exception {
    List<String> topics = List.of("avro-events", "avro-outcomes", "predictions", "dead", "models");
    KafkaTopics.create(kafka.bootstrapServers(), 2, topics);
    Path registryExport = tmp.newFolder("schemas").toPath();
    Files.copy(TestDataFiles.fraudPaymentsAvroSchema(), registryExport.resolve("1.avsc"));
    Files.copy(TestDataFiles.fraudChargebacksAvroSchema(), registryExport.resolve("2.avsc"));
    TopicEncoding encoding =
        new TopicEncoding("events", RecordEncoding.CONFLUENT_AVRO, registryExport.toString(), null);
    RecordEncoder payments = encoding.encoder(1);
    RecordEncoder chargebacks = encoding.encoder(2);

    List<String> events = Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 300);
    List<String> outcomes = Files.readAllLines(TestDataFiles.fraudSampleOutcomes()).subList(0, 20);
    byte[] first = payments.encode(events.get(0));
    Map<String, byte[]> malformed = new LinkedHashMap<>();
    malformed.put("UNDECODABLE json", events.get(1).getBytes(StandardCharsets.UTF_8));
    malformed.put("UNDECODABLE truncated", Arrays.copyOf(first, first.length - 8));
    malformed.put(
        "UNKNOWN_SCHEMA",
        ConfluentWireFormat.frame(
            77, Arrays.copyOfRange(first, ConfluentWireFormat.HEADER_BYTES, first.length)));

    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (String e : events) {
        JsonNode n = JSON.readTree(e);
        producer.send(
            new ProducerRecord<>(
                "avro-events",
                null,
                Instant.parse(n.get("event_time").asText()).toEpochMilli(),
                n.get("card_id").asText(),
                payments.encode(e)));
      }
      for (String o : outcomes) {
        JsonNode n = JSON.readTree(o);
        producer.send(
            new ProducerRecord<>(
                "avro-outcomes",
                null,
                Instant.parse(n.get("outcome_time").asText()).toEpochMilli(),
                n.get("event_id").asText(),
                chargebacks.encode(o)));
      }
      malformed.values().forEach(v -> producer.send(new ProducerRecord<>("avro-events", "bad", v)));
    }

    ModelRegistry registry = ModelRegistry.at(tmp.getRoot().toString());
    registry.promote(TestModels.register(registry, spec, 1));
    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(
                "--runner=DirectRunner",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--eventsTopic=avro-events",
                "--outcomesTopic=avro-outcomes",
                "--predictionsTopic=predictions",
                "--deadLettersTopic=dead",
                "--modelEventsTopic=models",
                "--startOffset=EARLIEST",
                "--registry=" + tmp.getRoot(),
                "--eventsEncoding=CONFLUENT_AVRO",
                "--eventsSchema=" + registryExport,
                "--outcomesEncoding=CONFLUENT_AVRO",
                "--outcomesSchema=" + registryExport),
            QUIET);
    Map<String, Integer> predictions = new HashMap<>();
    List<JsonNode> dead = new ArrayList<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of("predictions", "dead"))) {
      boolean complete =
          tail.pollUntil(
              () -> predictions.size() >= events.size() && dead.size() >= malformed.size(),
              WAIT,
              r -> {
                if (r.topic().equals("predictions")) {
                  predictions.merge(Prediction.parse(r.value()).eventId(), 1, Integer::sum);
                } else {
                  dead.add(readTree(r.value()));
                }
              });
      assertThat(complete).as("every prediction and dead letter arrived").isTrue();
    } finally {
      serving.cancel();
    }

    List<String> ids = new ArrayList<>();
    for (String e : events) {
      ids.add(JSON.readTree(e).get("event_id").asText());
    }
    assertThat(predictions.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(predictions.values()).containsOnly(1);
    Map<String, byte[]> deadPayloads = new HashMap<>();
    for (JsonNode d : dead) {
      assertThat(d.get("source").asText()).isEqualTo("payments");
      String reason = d.get("reason").asText();
      String detail = d.get("detail").asText();
      String key =
          reason.equals("UNDECODABLE")
              ? reason + (detail.contains("looks like JSON") ? " json" : " truncated")
              : reason;
      deadPayloads.put(key, Base64.getDecoder().decode(d.get("payload").asText()));
    }
    assertThat(deadPayloads).containsOnlyKeys(malformed.keySet());
    malformed.forEach((k, v) -> assertThat(deadPayloads.get(k)).as(k).isEqualTo(v));
    // Nothing is lost: every record in is a prediction or a dead letter.
    assertThat(events.size() + malformed.size()).isEqualTo(predictions.size() + dead.size());
  }

  @Test(timeout = 60_000)
  public void everyLaunchRefusesABadEncodingBeforeItConnects() throws Exception {
    String[] kafkaNowhere = {"--bootstrapServers=127.0.0.1:1", "--registry=" + tmp.getRoot()};
    assertThatThrownBy(
            () ->
                ServeJob.start(ServeJob.parse(with(kafkaNowhere, "--eventsEncoding=AVRO")), QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--eventsEncoding=AVRO needs --eventsSchema");
    String noSuchFile = tmp.getRoot() + "/missing.desc";
    assertThatThrownBy(
            () ->
                LearnJob.start(
                    LearnJob.parse(
                        with(
                            kafkaNowhere,
                            "--outcomesEncoding=PROTOBUF",
                            "--outcomesSchema=" + noSuchFile,
                            "--outcomesMessage=acme.Chargeback")),
                    QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--outcomesSchema=" + noSuchFile + " cannot be read");
    assertThatThrownBy(
            () ->
                ArchiveJob.start(
                    ArchiveJob.parse(
                        with(
                            kafkaNowhere,
                            "--archiveDir=" + tmp.getRoot(),
                            "--eventsSchema=" + TestDataFiles.fraudPaymentsAvroSchema())),
                    QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--eventsSchema is set but --eventsEncoding is JSON");
  }

  @Test
  public void helpListsTheEncodingOptions() throws Exception {
    java.io.ByteArrayOutputStream help = new java.io.ByteArrayOutputStream();
    ServeJob.run(new String[] {"--help"}, new PrintStream(help, true, StandardCharsets.UTF_8));
    assertThat(help.toString(StandardCharsets.UTF_8))
        .contains("--eventsEncoding=<JSON | AVRO | CONFLUENT_AVRO | PROTOBUF>")
        .contains("--eventsSchema")
        .contains("--eventsMessage")
        .contains("--outcomesEncoding")
        .contains("--outcomesSchema")
        .contains("--outcomesMessage");
  }

  private static String[] with(String[] args, String... more) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  private static KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
