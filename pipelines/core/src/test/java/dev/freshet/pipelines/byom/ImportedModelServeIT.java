package dev.freshet.pipelines.byom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.ImportJob;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Bring your own model, end to end on a real broker: the PyTorch-made fixture of testdata/byom (an
 * embedding + cross network, TorchScript, returning probabilities) is imported with {@code freshet
 * models import}'s job, served on Kafka, and every prediction equals PyTorch's own output for the
 * same feature vector, which serve computed itself from the events.
 */
public class ImportedModelServeIT {
  static final double TOLERANCE = 1e-5;

  /** The first of the fixture's 1,000 payments that are served (all 1,000 are imported on). */
  static final int SERVED_EVENTS = 400;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static Path byom;
  private static JsonNode metadata;

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    byom = TestDataFiles.root().resolve("byom");
    metadata = JSON.readTree(byom.resolve("metadata.json").toFile());
  }

  @AfterClass
  public static void stop() {
    kafka.close();
  }

  @Test
  public void anImportedTorchScriptModelServesPyTorchsOwnPredictions() throws Exception {
    Map<String, float[]> vectors = readVectors();
    Map<String, Double> expected = readExpected("cross");
    List<String> events = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleEvents())) {
      if (vectors.containsKey(JSON.readTree(line).get("event_id").asText())
          && events.size() < SERVED_EVENTS) {
        events.add(line);
      }
    }
    assertThat(events).hasSize(SERVED_EVENTS);
    vectors.keySet().retainAll(events.stream().map(ImportedModelServeIT::eventId).toList());
    Instant last = eventTime(events.get(events.size() - 1));
    List<String> outcomes = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleOutcomes())) {
      if (!Instant.parse(JSON.readTree(line).get("outcome_time").asText()).isAfter(last)) {
        outcomes.add(line);
      }
    }
    List<String> importEvents = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleEvents())) {
      if (readVectors().containsKey(eventId(line))) {
        importEvents.add(line);
      }
    }
    Path eventsFile = tmp.getRoot().toPath().resolve("events.jsonl");
    Path outcomesFile = tmp.getRoot().toPath().resolve("outcomes.jsonl");
    Files.write(eventsFile, importEvents);
    Files.write(outcomesFile, outcomes);
    String registryPath = tmp.newFolder("registry").toString();

    ByteArrayOutputStream report = new ByteArrayOutputStream();
    ImportJob.Outcome imported =
        ImportJob.importModel(
            ImportJob.parse(
                "--torchscript=" + byom.resolve("cross.pt"),
                "--networkOutput=PROBABILITY",
                "--events=" + eventsFile,
                "--outcomes=" + outcomesFile,
                "--registry=" + registryPath),
            new PrintStream(report, true, StandardCharsets.UTF_8));
    assertThat(imported.promoted()).isTrue();
    ModelVersion version = ModelRegistry.at(registryPath).describe(imported.versionId());
    assertThat(version.manifest().network()).isEqualTo("torchscript");
    assertThat(version.manifest().featureFingerprint()).isEqualTo(spec.fingerprint());
    assertThat(version.manifest().external().sourceSha256())
        .isEqualTo(metadata.get("models").get("cross").get("torchscriptSha256").asText());
    System.out.print(report.toString(StandardCharsets.UTF_8));

    // One partition: every key, the global one of all_payments_10m included, then arrives in
    // event-time order, for which serve's vectors are bit-identical to the bounded path's.
    KafkaTopics.create(
        kafka.bootstrapServers(),
        1,
        List.of("byom-events", "byom-outcomes", "byom-predictions", "byom-dead", "byom-models"));
    produce("byom-events", events, "event_time", "card_id");
    produce("byom-outcomes", outcomes, "outcome_time", "event_id");
    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--eventsTopic=byom-events",
                "--outcomesTopic=byom-outcomes",
                "--predictionsTopic=byom-predictions",
                "--deadLettersTopic=byom-dead",
                "--modelEventsTopic=byom-models",
                "--startOffset=EARLIEST",
                "--modelPollMillis=100",
                "--registry=" + registryPath),
            QUIET);
    Map<String, Prediction> predictions = new HashMap<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of("byom-predictions"))) {
      boolean complete =
          tail.pollUntil(
              () -> predictions.size() >= events.size(),
              Duration.ofSeconds(180),
              r -> {
                Prediction p = Prediction.parse(r.value());
                predictions.put(p.eventId(), p);
              });
      assertThat(complete)
          .as("a prediction for every event: %d of %d", predictions.size(), events.size())
          .isTrue();
    } finally {
      serving.cancel();
    }

    double maxError = 0;
    for (Map.Entry<String, float[]> e : vectors.entrySet()) {
      Prediction p = predictions.get(e.getKey());
      assertThat(p.modelVersion()).isEqualTo(imported.versionId());
      // Serve computed the very vectors PyTorch scored (same spec, same column order) ...
      assertThat(p.features()).as(e.getKey()).containsExactly(e.getValue());
      // ... and scored them as PyTorch did.
      maxError = Math.max(maxError, Math.abs(p.score() - expected.get(e.getKey())));
    }
    System.out.printf(
        "served %d predictions; max |Java - PyTorch| = %.3g%n", vectors.size(), maxError);
    assertThat(maxError).isLessThan(TOLERANCE);
  }

  @Test
  public void importRefusesAModelOfAnotherWidthNamingTheSpec() throws Exception {
    // The spec lost a column since the model was made: 18 features instead of 19.
    Path spec18 = tmp.getRoot().toPath().resolve("fraud18.yaml");
    List<String> specLines = new ArrayList<>();
    for (String line :
        Files.readAllLines(TestDataFiles.root().resolve(Domain.FRAUD.defaultSpec()))) {
      if (!line.contains("{name: amount,")) {
        specLines.add(line.replace("name: fraud", "name: fraud18"));
      }
    }
    Files.write(spec18, specLines);
    Path eventsFile = tmp.getRoot().toPath().resolve("few-events.jsonl");
    Files.write(eventsFile, Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 200));
    assertThatThrownBy(
            () ->
                ImportJob.importModel(
                    ImportJob.parse(
                        "--spec=" + spec18,
                        "--events=" + eventsFile,
                        "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
                        "--onnx=" + byom.resolve("mlp.onnx"),
                        "--registry=" + tmp.newFolder("refused")),
                    QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[batch, 18]")
        .hasMessageContaining("'fraud18'");
  }

  private static Map<String, float[]> readVectors() throws Exception {
    List<String> lines = Files.readAllLines(byom.resolve("vectors.csv"));
    assertThat(lines.get(0).split(",")).as("vectors.csv header").hasSize(spec.size() + 1);
    Map<String, float[]> vectors = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      float[] v = new float[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        v[i - 1] = Float.parseFloat(f[i]);
      }
      vectors.put(f[0], v);
    }
    return vectors;
  }

  private static Map<String, Double> readExpected(String model) throws Exception {
    List<String> lines = Files.readAllLines(byom.resolve("expected.csv"));
    int column = List.of(lines.get(0).split(",")).indexOf(model);
    Map<String, Double> expected = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      expected.put(f[0], Double.parseDouble(f[column]));
    }
    return expected;
  }

  private static String eventId(String json) {
    try {
      return JSON.readTree(json).get("event_id").asText();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Instant eventTime(String json) throws Exception {
    return Instant.parse(JSON.readTree(json).get("event_time").asText());
  }

  private static void produce(String topic, List<String> records, String timeField, String key)
      throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (String r : records) {
        JsonNode n = JSON.readTree(r);
        producer.send(
            new ProducerRecord<>(
                topic,
                null,
                Instant.parse(n.get(timeField).asText()).toEpochMilli(),
                n.get(key).asText(),
                r));
      }
    }
  }
}
