package dev.freshet.pipelines.byom;

import static dev.freshet.pipelines.byom.ByomKafka.eventId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.external.ByomFixtures;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.byom.ByomKafka.Topics;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.metrics.PrometheusScrape;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.serve.TestModels;
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
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Bring your own model, served on a real broker: the PyTorch-made fixtures of testdata/byom (an
 * embedding + cross network returning probabilities, an MLP returning logits; TorchScript and ONNX)
 * are imported and served on Kafka, and every prediction equals PyTorch's own output for the same
 * feature vector, which serve computed itself from the events. On the Flink mini-cluster a running
 * serve swaps to another imported version when it is promoted, and refuses imported versions whose
 * file is corrupt (checksum mismatch; unreadable) while the previous one keeps serving.
 */
public class ImportedModelServeIT {
  static final double TOLERANCE = 1e-5;

  /** The first of the fixture's 1,000 payments that are served (all 1,000 are imported on). */
  static final int SERVED_EVENTS = 400;

  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static ByomFixtures byom;

  /** The served payments, in event-time order, and the outcomes known by the last of them. */
  private static List<String> served;

  private static List<String> outcomes;
  private static Path importEvents;
  private static Path importOutcomes;

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    byom = ByomFixtures.load();
    List<String> fixtureEvents = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleEvents())) {
      if (byom.vectors.containsKey(eventId(line))) {
        fixtureEvents.add(line);
      }
    }
    served = fixtureEvents.subList(0, SERVED_EVENTS);
    Instant last = ByomKafka.time(served.get(served.size() - 1), "event_time");
    outcomes = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleOutcomes())) {
      if (!ByomKafka.time(line, "outcome_time").isAfter(last)) {
        outcomes.add(line);
      }
    }
    importEvents = TMP.getRoot().toPath().resolve("events.jsonl");
    importOutcomes = TMP.getRoot().toPath().resolve("outcomes.jsonl");
    Files.write(importEvents, fixtureEvents);
    Files.write(importOutcomes, outcomes);
  }

  @AfterClass
  public static void stop() {
    kafka.close();
  }

  @Test
  public void anImportedTorchScriptModelServesPyTorchsOwnPredictions() throws Exception {
    importAndServe("--torchscript", "cross.pt", "torchscriptSha256", "torchscript");
  }

  @Test
  public void anImportedOnnxModelServesPyTorchsOwnPredictions() throws Exception {
    importAndServe("--onnx", "cross.onnx", "onnxSha256", "onnx");
  }

  /**
   * Imports {@code file} (the cross network, probabilities) with {@code freshet models import}'s
   * job, serves the payments on the direct runner and compares every prediction with PyTorch's.
   */
  private void importAndServe(String flag, String file, String shaField, String network)
      throws Exception {
    String registryPath = tmp.newFolder("registry").toString();
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    ImportJob.Outcome imported =
        ImportJob.importModel(
            ImportJob.parse(
                flag + "=" + byom.dir.resolve(file),
                "--networkOutput=PROBABILITY",
                "--events=" + importEvents,
                "--outcomes=" + importOutcomes,
                "--registry=" + registryPath),
            new PrintStream(report, true, StandardCharsets.UTF_8));
    System.out.print(report.toString(StandardCharsets.UTF_8));
    assertThat(imported.promoted()).isTrue();
    ModelVersion version = ModelRegistry.at(registryPath).describe(imported.versionId());
    assertThat(version.manifest().network()).isEqualTo(network);
    assertThat(version.manifest().featureFingerprint()).isEqualTo(spec.fingerprint());
    assertThat(version.manifest().external().sourceSha256())
        .isEqualTo(byom.metadata.get("models").get("cross").get(shaField).asText());

    // One partition: every key, the global one of all_payments_10m included, then arrives in
    // event-time order, for which serve's vectors are bit-identical to the bounded path's.
    Topics topics = Topics.fresh(kafka, 1);
    JsonRecords.produce(kafka.bootstrapServers(), topics.events(), served, "event_time", "card_id");
    JsonRecords.produce(
        kafka.bootstrapServers(), topics.outcomes(), outcomes, "outcome_time", "event_id");
    List<String> args = topics.args(kafka);
    args.add("--modelPollMillis=100");
    args.add("--registry=" + registryPath);
    PipelineResult serving = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), QUIET);
    Map<String, Prediction> predictions = new HashMap<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions()))) {
      boolean complete =
          tail.pollUntil(
              () -> predictions.size() >= served.size(),
              WAIT,
              r -> {
                Prediction p = Prediction.parse(r.value());
                predictions.put(p.eventId(), p);
              });
      assertThat(complete)
          .as("a prediction for every event: %d of %d", predictions.size(), served.size())
          .isTrue();
    } finally {
      serving.cancel();
    }
    double maxError = assertPyTorchs(served, predictions, imported.versionId(), "cross");
    System.out.printf(
        "%s: served %d predictions; max |Java - PyTorch| = %.3g%n", file, served.size(), maxError);
  }

  /**
   * Serve on the Flink mini-cluster with an imported production version: PyTorch's predictions;
   * after another imported version is promoted, that version's (PyTorch's again); then a rollback
   * to a version whose file was modified at rest (checksum mismatch) and a promotion of one whose
   * file is not a model (its checksum recorded) are both refused, announced and counted, and the
   * swapped-to version keeps serving.
   */
  @Test
  public void onFlinkARunningServeSwapsImportedVersionsAndRefusesCorruptOnes() throws Exception {
    Path root = tmp.newFolder("registry").toPath();
    ModelRegistry registry = ModelRegistry.at(root.toString());
    String cross =
        ByomKafka.registerImported(registry, spec, byom, "cross.pt", OutputKind.PROBABILITY);
    String mlp = ByomKafka.registerImported(registry, spec, byom, "mlp.pt", OutputKind.LOGIT);
    registry.promote(cross);

    Topics topics = Topics.fresh(kafka, 1);
    int metricsPort = PrometheusScrape.freePort();
    List<String> args = topics.args(kafka);
    args.addAll(
        List.of(
            "--modelPollMillis=100",
            "--registry=" + root,
            "--runner=FlinkRunner",
            "--flinkMaster=[local]",
            "--parallelism=1",
            "--flinkConfDir="
                + PrometheusScrape.confDir(tmp.newFolder("flink-conf").toPath(), metricsPort)));
    List<List<String>> batches =
        List.of(served.subList(0, 200), served.subList(200, 300), served.subList(300, 400));
    JsonRecords.produce(
        kafka.bootstrapServers(), topics.outcomes(), outcomes, "outcome_time", "event_id");
    PipelineResult serving = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), QUIET);
    Map<String, Prediction> predictions = new HashMap<>();
    List<JsonNode> modelEvents = new ArrayList<>();
    try (TopicTail tail =
        TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions(), topics.models()))) {
      Consumer<ConsumerRecord<String, String>> sink =
          r -> {
            if (r.topic().equals(topics.models())) {
              modelEvents.add(JsonRecords.read(r.value()));
            } else {
              Prediction p = Prediction.parse(r.value());
              assertThat(predictions.put(p.eventId(), p)).as("a second prediction").isNull();
            }
          };
      JsonRecords.produce(
          kafka.bootstrapServers(), topics.events(), batches.get(0), "event_time", "card_id");
      assertThat(tail.pollUntil(() -> predictions.size() >= 200, WAIT, sink)).isTrue();

      registry.promote(mlp);
      assertThat(tail.pollUntil(() -> announced(modelEvents, "SWAPPED", mlp), WAIT, sink)).isTrue();
      JsonRecords.produce(
          kafka.bootstrapServers(), topics.events(), batches.get(1), "event_time", "card_id");
      assertThat(tail.pollUntil(() -> predictions.size() >= 300, WAIT, sink)).isTrue();

      // The cross network's file changes at rest; promotion checks the checksum and refuses it,
      // a rollback does not: serve does, and keeps serving the MLP.
      Path crossFile = root.resolve("versions").resolve(cross).resolve("model.pt");
      byte[] bytes = Files.readAllBytes(crossFile);
      bytes[bytes.length / 2] ^= 0x5a;
      Files.write(crossFile, bytes);
      assertThatThrownBy(() -> registry.promote(cross))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("checksum mismatch");
      assertThat(registry.rollback()).isEqualTo(cross);
      assertThat(tail.pollUntil(() -> announced(modelEvents, "REFUSED", cross), WAIT, sink))
          .isTrue();

      // An imported version whose model.pt is not TorchScript at all, its checksum recorded.
      String unreadable = TestModels.registerUnloadable(root, mlp);
      registry.promote(unreadable);
      assertThat(tail.pollUntil(() -> announced(modelEvents, "REFUSED", unreadable), WAIT, sink))
          .isTrue();
      JsonRecords.produce(
          kafka.bootstrapServers(), topics.events(), batches.get(2), "event_time", "card_id");
      assertThat(tail.pollUntil(() -> predictions.size() >= 400, WAIT, sink)).isTrue();
      tail.pollUntil(() -> false, Duration.ofSeconds(2), sink);

      assertThat(refusal(modelEvents, cross).get("reason").asText()).isEqualTo("CHECKSUM_MISMATCH");
      assertThat(refusal(modelEvents, unreadable).get("reason").asText()).isEqualTo("UNREADABLE");
      assertThat(refusal(modelEvents, cross).get("serving").asText()).isEqualTo(mlp);
      assertThat(refusal(modelEvents, unreadable).get("serving").asText()).isEqualTo(mlp);
      Map<String, Double> metrics =
          PrometheusScrape.freshetUntil(
              metricsPort,
              m -> m.getOrDefault("predictions", 0.0) >= 400 && m.containsKey("model_refused"),
              WAIT);
      assertThat(metrics).containsEntry("model_swaps", 1.0).containsEntry("model_refused", 2.0);
    } finally {
      serving.cancel();
    }

    assertThat(predictions).hasSize(served.size());
    double crossError = assertPyTorchs(batches.get(0), predictions, cross, "cross");
    double mlpError =
        assertPyTorchs(
            served.subList(200, 400), predictions, mlp, "mlp"); // after the swap, refusals or not
    System.out.printf(
        "Flink: max |Java - PyTorch| = %.3g (cross, before the swap), %.3g (mlp, after)%n",
        crossError, mlpError);
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
                        "--onnx=" + byom.dir.resolve("mlp.onnx"),
                        "--registry=" + tmp.newFolder("refused")),
                    QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[batch, 18]")
        .hasMessageContaining("'fraud18'");
  }

  /**
   * Every event of {@code events} was scored by {@code version} on the very vector PyTorch scored
   * (same spec, same column order), with PyTorch's output of {@code model} (a probability; the
   * MLP's logit through the sigmoid); returns the largest difference.
   */
  private static double assertPyTorchs(
      List<String> events, Map<String, Prediction> predictions, String version, String model) {
    double maxError = 0;
    for (String event : events) {
      String id = eventId(event);
      Prediction p = predictions.get(id);
      assertThat(p).as("prediction of %s", id).isNotNull();
      assertThat(p.modelVersion()).as(id).isEqualTo(version);
      assertThat(p.features()).as(id).containsExactly(byom.vectors.get(id));
      double pytorch = byom.expected.get(id).get(model);
      double expected = model.equals("mlp") ? 1 / (1 + Math.exp(-pytorch)) : pytorch;
      maxError = Math.max(maxError, Math.abs(p.score() - expected));
    }
    assertThat(maxError).as("max |Java - PyTorch| of %s", model).isLessThan(TOLERANCE);
    return maxError;
  }

  private static boolean announced(List<JsonNode> events, String type, String version) {
    return events.stream()
        .anyMatch(
            e ->
                e.get("type").asText().equals(ModelEvent.Type.valueOf(type).json())
                    && e.get("version").asText().equals(version));
  }

  private static JsonNode refusal(List<JsonNode> events, String version) {
    return events.stream()
        .filter(
            e ->
                e.get("type").asText().equals(ModelEvent.Type.REFUSED.json())
                    && e.get("version").asText().equals(version))
        .findFirst()
        .orElseThrow();
  }
}
