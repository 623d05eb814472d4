package dev.freshet.pipelines.cli.skew;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.PipelineResult;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Logged against recomputed: {@code serve} (direct runner, one in-process broker for the class)
 * scores 250 payments of the committed fraud sample with a registered model; the skew check then
 * reads the {@code predictions} topic, recomputes every vector in batch from the same events and
 * rescores it with the logged model version. The vectors are identical and the scores agree; a
 * prediction file in which one feature of a few records was altered fails and names that feature.
 */
public class SkewCheckLoggedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final int EVENTS = 250;

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static Path registry;
  private static Path events;
  private static Path outcomes;
  private static final Map<String, String> logged = new LinkedHashMap<>();
  private static Set<String> eventIds;

  @BeforeClass
  public static void serveAStream() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    Path dir = TMP.newFolder("log").toPath();
    registry = dir.resolve("registry");
    ModelRegistry models = ModelRegistry.at(registry.toString());
    String version =
        UntrainedModels.register(
            models,
            FeatureLayouts.of(spec),
            ModelConfig.builder().hiddenLayers(List.of(8)).seed(3).build());
    models.promote(version);

    // The first payments of the sample in event-time order; no chargeback reaches serve, so the
    // log to recompute from has none either.
    List<String> lines =
        new ArrayList<>(Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, EVENTS));
    lines.sort(Comparator.comparing(SkewCheckLoggedTest::eventTime));
    events = dir.resolve("events.jsonl");
    outcomes = dir.resolve("outcomes.jsonl");
    Files.write(events, lines);
    Files.writeString(outcomes, "");
    eventIds = new HashSet<>();
    lines.forEach(l -> eventIds.add(read(l).get("event_id").asText()));

    // One partition: the stream's arrival order is event-time order for every key, global too.
    KafkaTopics.create(
        kafka.bootstrapServers(),
        1,
        List.of("events", "outcomes", "predictions", "dead-letters", "model-events"));
    JsonRecords.produce(kafka.bootstrapServers(), "events", lines, "event_time", "card_id");
    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(
                "--runner=DirectRunner",
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--startOffset=EARLIEST",
                "--modelPollMillis=100",
                "--registry=" + registry),
            QUIET);
    Set<String> predicted = new HashSet<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of("predictions"))) {
      boolean complete =
          tail.pollUntil(
              () -> predicted.containsAll(eventIds),
              Duration.ofSeconds(180),
              r -> {
                logged.put(r.key() + "#" + r.offset(), r.value());
                predicted.add(r.key());
              });
      assertThat(complete).as("serve predicted every event").isTrue();
    } finally {
      serving.cancel();
    }
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant eventTime(String json) {
    return Instant.parse(read(json).get("event_time").asText());
  }

  private static SkewCheckCommand.Result check(StringBuilder printed, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--check=LOGGED",
                "--events=" + events,
                "--outcomes=" + outcomes,
                "--registry=" + registry));
    args.addAll(List.of(more));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SkewCheckCommand.Result result =
        SkewCheckCommand.check(
            SkewCheckCommand.parse(args.toArray(new String[0])),
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  public void loggedVectorsFromKafkaAreTheRecomputedOnesAndScoreTheSame() throws Exception {
    StringBuilder printed = new StringBuilder();
    SkewCheckCommand.Result result =
        check(printed, "--bootstrapServers=" + kafka.bootstrapServers());

    JsonNode c = result.report().get("comparisons").get(0);
    assertThat(result.exitCode()).as(printed.toString()).isZero();
    assertThat(c.get("comparison").asText()).isEqualTo("logged_vs_recomputed");
    assertThat(c.get("events").asLong()).isEqualTo(eventIds.size());
    assertThat(c.get("identical").asLong()).isEqualTo(eventIds.size());
    assertThat(c.get("different").asLong()).isZero();
    assertThat(c.get("only_logged").asLong()).isZero();
    assertThat(c.get("spec_mismatch").asLong()).isZero();
    JsonNode scores = c.get("score_differences");
    assertThat(scores.get("scored").asLong()).isEqualTo(eventIds.size());
    // Rescoring one vector at a time may round differently from serve's batches, never more.
    assertThat(scores.get("max").asDouble()).isLessThan(1e-5);
    assertThat(scores.get("not_rescored").size()).isZero();
  }

  @Test
  public void aLoggedFeatureThatDiffersIsCaughtAndNamed() throws Exception {
    int column = spec.indexOf("card_payments_10m");
    List<String> altered = new ArrayList<>();
    Set<String> changed = new HashSet<>();
    for (String json : logged.values()) {
      Prediction p = Prediction.parse(json);
      if (changed.size() < 3) {
        float[] features = p.features().clone();
        features[column] += 1;
        p =
            new Prediction(
                p.eventId(),
                p.eventTimeMillis(),
                p.score(),
                p.decision(),
                p.modelVersion(),
                p.arm(),
                p.spec(),
                features,
                p.scoredAtMillis(),
                p.scores());
        changed.add(p.eventId());
      }
      altered.add(p.toJson());
    }
    altered.add("{\"not\": \"a prediction\"}");
    Path file = TMP.newFile("altered-predictions.jsonl").toPath();
    Files.write(file, altered);

    StringBuilder printed = new StringBuilder();
    SkewCheckCommand.Result result = check(printed, "--predictions=" + file);

    JsonNode c = result.report().get("comparisons").get(0);
    assertThat(result.exitCode()).as(printed.toString()).isEqualTo(1);
    assertThat(c.get("different").asLong()).isEqualTo(3);
    Set<String> named = new HashSet<>();
    c.get("differing_events_by_feature").fieldNames().forEachRemaining(named::add);
    assertThat(named).containsExactly("card_payments_10m");
    Set<String> examples = new HashSet<>();
    for (JsonNode e : c.get("examples")) {
      examples.add(e.get("event_id").asText());
      JsonNode col = e.get("features").get(0);
      assertThat(col.get("logged").asDouble()).isEqualTo(col.get("recomputed").asDouble() + 1);
    }
    assertThat(examples).isEqualTo(changed);
    assertThat(result.report().get("unreadable_predictions").asLong()).isEqualTo(1);
  }
}
