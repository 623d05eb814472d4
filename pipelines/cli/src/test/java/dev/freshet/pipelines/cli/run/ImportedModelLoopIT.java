package dev.freshet.pipelines.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.ImportJob;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.TestDataFiles;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.PipelineResult;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The continual loop from an imported model, through the real pipelines on a real broker: the
 * PyTorch-made MLP of testdata/byom (TorchScript, trained on the first half of the committed fraud
 * sample, before its new fraud pattern) is imported as production; {@code serve} (routing SHADOW)
 * and {@code learn} run side by side on the embedded Flink mini-cluster, as {@code freshet run}
 * runs them; a generated stream in which the new pattern appears is replayed with its chargebacks.
 * Learn fine-tunes a copy of the module, registers candidates that pass the offline gate, and its
 * online gate, fed serve's shadow predictions of both versions with their labels, promotes one; the
 * promoted version is TorchScript, descends from the import, and serve then scores with it.
 */
public class ImportedModelLoopIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** Payments replayed before the promotion is awaited, and after it (to see serve swap). */
  private static final int REPLAYED = 8000;

  private static final int AFTER = 300;

  /** Few payments per stream hour: labels (48 h windows) settle after few payments. */
  private static final double EVENTS_PER_SECOND = 0.005;

  /** Replay speed: 200 payments/s. */
  private static final double SPEEDUP = 40_000;

  /** Stream time replayed before the learner is awaited: its first candidate needs 500 labels. */
  private static final Duration FIRST_PART = Duration.ofHours(90);

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aFineTunedCopyOfAnImportedModelIsPromotedByTheOnlineGateAndServed() throws Exception {
    Path work = tmp.getRoot().toPath();
    String registryPath = work.resolve("registry").toString();
    ByteArrayOutputStream importReport = new ByteArrayOutputStream();
    // The sample's first 4,000 payments (a day and a half, before its new fraud pattern): the
    // check, and the latest 800 the smoke-test set of learn's offline gate.
    Path history = work.resolve("history.jsonl");
    Files.write(history, Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 4000));
    ImportJob.Outcome imported =
        ImportJob.importModel(
            ImportJob.parse(
                "--torchscript=" + TestDataFiles.root().resolve("byom/mlp.pt"),
                "--events=" + history,
                "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
                "--registry=" + registryPath),
            new PrintStream(importReport, true, StandardCharsets.UTF_8));
    System.out.print(importReport.toString(StandardCharsets.UTF_8));
    String production = imported.versionId();
    assertThat(imported.promoted()).isTrue();

    FraudGenerator generator =
        FraudGenerator.builder()
            .seed(5)
            .events(REPLAYED + AFTER)
            .eventsPerSecond(EVENTS_PER_SECOND)
            .start(FraudGenerator.DEFAULT_START.plus(Duration.ofDays(3)))
            .driftAt(0.05)
            .driftFraudRate(0.12)
            .build();
    GeneratedFraud stream = GeneratedFraud.write(generator, work.resolve("stream"));
    List<String> events = Files.readAllLines(stream.events());
    Instant cut = eventTime(events.get(REPLAYED - 1));
    List<String> after = events.subList(REPLAYED, events.size());

    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      List<String> topics =
          List.of("events", "outcomes", "predictions", "dead-letters", "model-events");
      KafkaTopics.create(
          KafkaClients.plain(kafka.bootstrapServers()),
          2,
          topics,
          KafkaTopics.KEEP_REGARDLESS_OF_AGE);
      List<String> common =
          List.of(
              "--runner=FlinkRunner",
              "--flinkMaster=[local]",
              "--parallelism=1",
              "--fasterCopy=true",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--startOffset=EARLIEST",
              "--registry=" + registryPath);
      List<String> serveArgs = new ArrayList<>(common);
      serveArgs.addAll(List.of("--routing=SHADOW", "--modelPollMillis=200"));
      List<String> learnArgs = new ArrayList<>(common);
      learnArgs.addAll(
          List.of(
              "--microBatchSize=250",
              "--gateEvery=2",
              "--maxBatchWaitSeconds=2",
              // An imported module's config is Freshet's default (Adam at 0.001, batches of 256):
              // one step per micro-batch would barely move the copy from production.
              "--learnRate=0.03",
              "--learnEpochs=3",
              // The smoke-test set predates the new pattern, is small, and comes from the committed
              // sample (six times the payment rate of this stream): a copy that learns the stream's
              // pattern gives up NE and calibration there; the online gate judges it on the live
              // traffic.
              "--maxNeRegression=2.0",
              "--maxCalibrationRatio=3.0",
              // One look at 1,000 settled predictions each arm, on the traffic after the first
              // candidate (the new pattern is there from the stream's first day); no newer
              // candidate replaces it meanwhile (its predictions settle ~200 h of label time on).
              "--onlineLooks=1",
              "--minOnlineExamples=1000",
              "--minOnlinePositives=5",
              "--challengerHoldHours=240"));
      ModelRegistry registry = ModelRegistry.at(registryPath);
      List<JsonNode> decisions = new ArrayList<>();
      Map<String, Integer> servedBy = new ConcurrentHashMap<>();
      Map<String, Integer> decidedBy = new ConcurrentHashMap<>();
      PipelineResult serving =
          ServeJob.start(ServeJob.parse(serveArgs.toArray(new String[0])), QUIET);
      PipelineResult learning = null;
      try (TopicTail tail =
          TopicTail.of(kafka.bootstrapServers(), List.of("model-events", "predictions"))) {
        learning = LearnJob.start(LearnJob.parse(learnArgs.toArray(new String[0])), QUIET);
        // First the days before learn can have a candidate (labels settle 48 h after a payment),
        // until it has registered one: the learner is then live whatever the machine's load.
        Instant learnLive = generator.start().plus(FIRST_PART);
        ReplayCommand.of(
                part(stream.events(), "event_time", null, learnLive),
                part(stream.outcomes(), "outcome_time", null, learnLive),
                KafkaClients.plain(kafka.bootstrapServers()),
                "card_id",
                SPEEDUP)
            .toTopics("events", "outcomes")
            .replay(QUIET);
        await()
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  tail.poll(r -> collect(r.topic(), r.value(), decisions, servedBy, decidedBy));
                  return decisions.stream()
                      .anyMatch(d -> d.get("type").asText().equals("candidate"));
                });
        // Then the rest, paced, in which the new pattern appears: serve scores it with both
        // versions.
        ReplayCommand.of(
                part(stream.events(), "event_time", learnLive, cut),
                part(stream.outcomes(), "outcome_time", learnLive, cut),
                KafkaClients.plain(kafka.bootstrapServers()),
                "card_id",
                SPEEDUP)
            .toTopics("events", "outcomes")
            .replay(QUIET);

        // Learn's online gate, on serve's shadow predictions and the labels, promotes a candidate.
        try {
          await()
              .atMost(Duration.ofMinutes(5))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> {
                    tail.poll(r -> collect(r.topic(), r.value(), decisions, servedBy, decidedBy));
                    return registry.production().filter(v -> !v.equals(production)).isPresent();
                  });
        } finally {
          System.out.printf("model-events (predictions by version %s):%n", servedBy);
          decisions.forEach(d -> System.out.println("  " + d));
        }
        String promoted = registry.production().orElseThrow();

        // The rest of the stream: serve scores it with the promoted version.
        produce(kafka, after);
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  tail.poll(r -> collect(r.topic(), r.value(), decisions, servedBy, decidedBy));
                  return decidedBy.getOrDefault(promoted, 0) >= AFTER / 2;
                });

        JsonNode promotion =
            decisions.stream()
                .filter(d -> d.get("type").asText().equals(ModelEvent.Type.PROMOTED.json()))
                .filter(d -> d.get("version").asText().equals(promoted))
                .findFirst()
                .orElseThrow();
        // Learn's online gate (PromoteFn runs the PromotionManager, whose events say "promoter").
        System.out.println("promotion: " + promotion);
        assertThat(promotion.get("source").asText()).as(promotion.toString()).isEqualTo("promoter");
        assertThat(promotion.toString()).contains("online");
        ModelManifest manifest = registry.describe(promoted).manifest();
        assertThat(manifest.network()).isEqualTo("torchscript");
        assertThat(manifest.parametersFile()).isEqualTo("model.pt");
        assertThat(manifest.external().sourceSha256())
            .isEqualTo(registry.describe(production).manifest().external().sourceSha256());
        assertThat(manifest.parametersSha256())
            .isNotEqualTo(registry.describe(production).manifest().parametersSha256());
        assertThat(lineage(registry, promoted)).as("parents of %s", promoted).contains(production);
        System.out.printf(
            "promoted %s (parents %s); events scored by version %s, decided by version %s%n",
            promoted, lineage(registry, promoted), servedBy, decidedBy);
      } finally {
        if (learning != null) {
          learning.cancel();
        }
        serving.cancel();
      }
    }
  }

  /** The lines of {@code file} whose {@code field} lies in {@code (from, to]} (null: open). */
  private Path part(Path file, String field, Instant from, Instant to) throws Exception {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      Instant t = Instant.parse(JSON.readTree(line).get(field).asText());
      if ((from == null || t.isAfter(from)) && !t.isAfter(to)) {
        lines.add(line);
      }
    }
    return Files.write(
        tmp.getRoot().toPath().resolve(file.getFileName() + "-" + from + "-" + to), lines);
  }

  /** A version's ancestors, its parent first. */
  private static List<String> lineage(ModelRegistry registry, String version) throws Exception {
    List<String> parents = new ArrayList<>();
    for (Optional<String> p = parent(registry, version);
        p.isPresent();
        p = parent(registry, p.get())) {
      parents.add(p.get());
    }
    return parents;
  }

  private static Optional<String> parent(ModelRegistry registry, String version) throws Exception {
    return Optional.ofNullable(registry.describe(version).manifest().parentVersion());
  }

  private static void collect(
      String topic,
      String value,
      List<JsonNode> decisions,
      Map<String, Integer> servedBy,
      Map<String, Integer> decidedBy) {
    if (topic.equals("model-events")) {
      try {
        decisions.add(JSON.readTree(value));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    } else {
      // Counted per version that scored the event (production, and a challenger in shadow) and
      // per version that decided it.
      Prediction p = Prediction.parse(value);
      p.scores().keySet().forEach(v -> servedBy.merge(v, 1, Integer::sum));
      decidedBy.merge(p.modelVersion(), 1, Integer::sum);
    }
  }

  private static void produce(EmbeddedKafka kafka, List<String> payments) {
    JsonRecords.produce(kafka.bootstrapServers(), "events", payments, "event_time", "card_id");
  }

  private static Instant eventTime(String payment) throws Exception {
    return Instant.parse(JSON.readTree(payment).get("event_time").asText());
  }
}
