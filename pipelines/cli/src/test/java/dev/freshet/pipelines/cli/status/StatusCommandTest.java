package dev.freshet.pipelines.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Arm;
import dev.freshet.model.events.ModelEvent.Online;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelStatus;
import dev.freshet.model.registry.StatusEvent;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.kafka.ModelEvents;
import dev.freshet.transforms.drift.FeatureDrift;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/**
 * {@code freshet status} on a real registry and a real in-process broker: a promotion with its
 * online evidence, an online rejection, drift of two features and serve's group behind the end.
 */
public class StatusCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final String SERVE_GROUP = "serve-under-test";

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static EmbeddedKafka kafka;
  private static String registryPath;
  private static String v1;
  private static String v2;
  private static String v3;
  private static String v4;
  private static Instant v2Since;
  private static Online promotion;
  private static Online rejection;

  @BeforeClass
  public static void loop() throws Exception {
    registryPath = TMP.newFolder("registry").getAbsolutePath();
    ModelRegistry registry = ModelRegistry.at(registryPath);
    FeatureLayout layout = FeatureLayout.builder("spec-v1").numeric("x0").numeric("x1").build();
    float[][] rows = new float[2][layout.size()];
    Arrays.fill(rows[1], 1f);
    DataRange range = new DataRange(T0, T0.plusSeconds(3600), 500);
    try (BinaryClassifier model =
        BinaryClassifier.initialize(
            layout,
            ModelConfig.builder().hiddenLayers(List.of(4)).seed(1).build(),
            NormalizationStats.fit(layout, rows),
            PlattCalibration.identity())) {
      v1 =
          registry.register(
              Candidate.of(model, range)
                  .withMetrics(Map.of("normalizedEntropy", 0.8123, "auc", 0.7012)));
      registry.promote(v1);
      v2 =
          registry.register(
              Candidate.of(model, range)
                  .withParent(v1)
                  .withMetrics(Map.of("smoke_normalizedEntropy", 0.79, "smoke_auc", 0.72)));
      promotion =
          new Online(
              new Arm(v1, 790, 40, 0.0514, 0.428, 0.71, 1.02),
              new Arm(v2, 812, 41, 0.0412, 0.231, 0.74, 0.98),
              new ModelEvent.Test("obrien-fleming", 2.91, 2.33, 2, 5, 0.05));
      registry.promote(v2, "promoted " + promotion.describe());
      v3 =
          registry.register(
              Candidate.of(model, range)
                  .withParent(v2)
                  .withMetrics(Map.of("smoke_normalizedEntropy", 0.785, "smoke_auc", 0.73)));
      rejection =
          new Online(
              new Arm(v2, 1500, 70, 0.0400, 0.225, 0.75, 1.0),
              new Arm(v3, 1480, 69, 0.0460, 0.260, 0.73, 1.1),
              new ModelEvent.Test("obrien-fleming", -1.20, 2.05, 3, 5, 0.05));
      registry.reject(v3, "rejected " + rejection.describe());
      v4 =
          registry.register(
              Candidate.of(model, range)
                  .withParent(v2)
                  .withMetrics(Map.of("smoke_normalizedEntropy", 0.781, "smoke_auc", 0.735)));
    }
    v2Since =
        registry.describe(v2).history().stream()
            .filter(e -> e.status() == ModelStatus.PRODUCTION)
            .map(StatusEvent::at)
            .reduce((a, b) -> b)
            .orElseThrow();

    kafka = EmbeddedKafka.start();
    KafkaTopics.create(kafka.bootstrapServers(), 1, List.of("model-events"));
    KafkaTopics.create(kafka.bootstrapServers(), 2, List.of("events"));
    try (ModelEvents events =
        ModelEvents.to(KafkaClients.plain(kafka.bootstrapServers()), "model-events")) {
      events.publish(
          ModelEvent.of(Type.PROMOTED, v2, "promoter")
              .at(T0.plusSeconds(10))
              .online(promotion)
              .previous(v1)
              .build());
      events.publish(drift(v2, "x0", 0.30, Double.NaN, null, T0.plusSeconds(20)));
      events.publish(
          drift(
              v2,
              "x1",
              0.05,
              0.10,
              new FeatureDrift.OutOfRange(0, 1, 0, 37, 0, 6.4),
              T0.plusSeconds(30)));
      events.publish(drift(v1, "x1", 0.90, 0.5, null, T0.plusSeconds(35)));
      events.publish(drift(v2, "x0", 0.41, 0.22, null, T0.plusSeconds(40)));
      events.publish(
          ModelEvent.of(Type.CANDIDATE_REJECTED, v3, "promoter")
              .at(T0.plusSeconds(50))
              .online(rejection)
              .reason(
                  "online: log loss not better than production's (z -1.20, needed 2.05 at look 3)")
              .build());
    }
    // 10 events on partition 0 and 6 on partition 1; serve's group has read 4 and 6 of them.
    try (KafkaProducer<String, String> producer = kafka.producer()) {
      for (int i = 0; i < 16; i++) {
        producer.send(new ProducerRecord<>("events", i < 10 ? 0 : 1, "k", "{}")).get();
      }
    }
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .alterConsumerGroupOffsets(
              SERVE_GROUP,
              Map.of(
                  new TopicPartition("events", 0), new OffsetAndMetadata(4),
                  new TopicPartition("events", 1), new OffsetAndMetadata(6)))
          .all()
          .get();
    }
  }

  private static ModelEvent drift(
      String version,
      String feature,
      double psi,
      double ks,
      FeatureDrift.OutOfRange range,
      Instant at) {
    return ModelEvent.of(Type.DRIFT, version, "serve")
        .at(at)
        .drift(new ModelEvent.Drift(feature, psi, ks, 0.2, at.minusSeconds(60), at, 5000, range))
        .reason(feature + " drifted")
        .build();
  }

  @AfterClass
  public static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** Runs {@code freshet status} (through picocli) and returns what it printed. */
  private static String status(StatusCommand command, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    command.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    StringWriter err = new StringWriter();
    int exit = new CommandLine(command).setErr(new PrintWriter(err, true)).execute(args);
    assertThat(exit).as(err.toString()).isZero();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static String[] withBrokers(String... more) {
    List<String> args = new ArrayList<>();
    args.add("--registry=" + registryPath);
    args.add("--bootstrapServers=" + kafka.bootstrapServers());
    args.add("--consumerGroup=" + SERVE_GROUP);
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  @Test
  public void printsEverySectionFromTheRegistryAndTheBrokers() {
    String text = status(new StatusCommand(), withBrokers());

    assertThat(section(text, "Production"))
        .contains(v2 + ", since " + v2Since)
        .contains("offline  smoke NE 0.7900, AUC 0.7200")
        .contains("why      promoted " + promotion.describe());
    assertThat(section(text, "Challenger"))
        .contains(v4 + ", registered")
        .contains("offline  smoke NE 0.7810, AUC 0.7350")
        .contains("no online look yet");
    List<String> decisions = section(text, "Last decisions").lines().skip(1).toList();
    assertThat(decisions).hasSize(2);
    assertThat(decisions.get(0))
        .contains("candidate_rejected", v3, "by promoter", "log loss not better")
        .contains("over 1,480 and 1,500 labelled predictions; z -1.20 (needed 2.05, look 3 of 5)");
    assertThat(decisions.get(1)).contains("promoted", v2, promotion.describe());
    String drift = section(text, "Drift");
    assertThat(drift.lines().filter(l -> l.contains(" x0 ")))
        .singleElement()
        .satisfies(l -> assertThat(l).startsWith("  * x0").contains("0.4100", "0.2200"));
    assertThat(drift.lines().filter(l -> l.contains(" x1 ")))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .startsWith("  * x1")
                    .contains("0.0500", "37 above")
                    .doesNotContain("0.9000"));
    assertThat(section(text, "Serve lag"))
        .contains("consumer group " + SERVE_GROUP + " on events")
        .contains("partition 0: end 10, committed 4, lag 6")
        .contains("partition 1: end 6, committed 6, lag 0")
        .contains("total 6");
  }

  @Test
  public void jsonCarriesTheSameValues() throws Exception {
    JsonNode s = JSON.readTree(status(new StatusCommand(), withBrokers("--json")));

    assertThat(s.path("production").path("version").asText()).isEqualTo(v2);
    assertThat(s.path("production").path("since").asText()).isEqualTo(v2Since.toString());
    assertThat(s.path("production").path("offline").path("ne").asDouble()).isEqualTo(0.79);
    JsonNode online = s.path("production").path("online");
    assertThat(online.path("other").path("labelled").asLong()).isEqualTo(812);
    assertThat(online.path("base").path("labelled").asLong()).isEqualTo(790);
    assertThat(online.path("other").path("ne").asDouble()).isEqualTo(0.231);
    assertThat(online.path("test").path("z").asDouble()).isEqualTo(2.91);
    assertThat(online.path("test").path("look").asInt()).isEqualTo(2);
    assertThat(s.path("challenger").path("version").asText()).isEqualTo(v4);
    assertThat(s.path("challenger").path("online").isNull()).isTrue();
    assertThat(s.path("challenger").path("online_note").asText()).contains("no online look yet");
    assertThat(s.path("decisions_from").asText()).isEqualTo("model-events");
    assertThat(s.path("decisions")).hasSize(2);
    assertThat(s.path("decisions").get(0).path("type").asText()).isEqualTo("candidate_rejected");
    assertThat(s.path("decisions").get(0).path("version").asText()).isEqualTo(v3);
    assertThat(s.path("decisions").get(0).path("reason").asText()).contains("log loss not better");
    assertThat(s.path("decisions").get(1).path("type").asText()).isEqualTo("promoted");
    JsonNode drift = s.path("drift");
    assertThat(drift).hasSize(2);
    assertThat(drift.get(0).path("feature").asText()).isEqualTo("x0");
    assertThat(drift.get(0).path("psi").asDouble()).isEqualTo(0.41);
    assertThat(drift.get(0).path("alerting").asBoolean()).isTrue();
    assertThat(drift.get(1).path("feature").asText()).isEqualTo("x1");
    assertThat(drift.get(1).path("psi").asDouble()).isEqualTo(0.05);
    assertThat(drift.get(1).path("out_of_range").asText()).contains("37 above");
    assertThat(drift.get(1).path("alerting").asBoolean()).isTrue();
    JsonNode lag = s.path("serve_lag");
    assertThat(lag.path("total").asLong()).isEqualTo(6);
    assertThat(lag.path("partitions").get(0).path("lag").asLong()).isEqualTo(6);
    assertThat(lag.path("partitions").get(1).path("committed").asLong()).isEqualTo(6);
  }

  /**
   * {@code --http}: the page's JSON carries the same state, the decisions as markers with their
   * evidence and each decision's online evidence as a point.
   */
  @Test
  public void httpServesThePageWithTheDecisionsAsMarkers() throws Exception {
    StatusCommand command = new StatusCommand();
    List<JsonNode> seen = new ArrayList<>();
    command.serving =
        page -> {
          HttpResponse<String> r =
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(page.url().resolve("api/state")).build(),
                      HttpResponse.BodyHandlers.ofString());
          seen.add(JSON.readTree(r.body()));
        };
    String out = status(command, withBrokers("--http=0"));

    assertThat(out).containsPattern("live page: http://127\\.0\\.0\\.1:\\d+/");
    JsonNode state = seen.get(0);
    assertThat(state.at("/status/production/version").asText()).isEqualTo(v2);
    assertThat(state.at("/status/challenger/version").asText()).isEqualTo(v4);
    assertThat(state.at("/status/decisions")).hasSize(2);
    assertThat(state.at("/markers/0/type").asText()).isEqualTo("promoted");
    assertThat(state.at("/markers/0/version").asText()).isEqualTo(v2);
    assertThat(state.at("/markers/0/evidence").asText()).contains(promotion.describe());
    assertThat(state.at("/markers/1/type").asText()).isEqualTo("candidate_rejected");
    assertThat(state.at("/ne/points")).hasSize(2);
    assertThat(state.at("/ne/points/0/served_ne").asDouble()).isEqualTo(0.428);
    assertThat(state.at("/ne/points/0/static_ne").asDouble()).isEqualTo(0.231);
    assertThat(state.at("/traffic").isNull()).isTrue();
  }

  @Test
  public void watchReprints() throws Exception {
    StatusCommand command = new StatusCommand();
    command.iterations = 2;
    List<Long> pauses = new java.util.ArrayList<>();
    command.pause = pauses::add;
    List<String> lines = status(command, withBrokers("--json", "--watch=3")).lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(pauses).containsExactly(3_000L);
    for (String line : lines) {
      assertThat(JSON.readTree(line).path("serve_lag").path("total").asLong()).isEqualTo(6);
    }
  }

  @Test
  public void aGroupWithoutCommittedOffsetsHasUnknownLag() {
    String text =
        status(
            new StatusCommand(),
            "--registry=" + registryPath,
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--consumerGroup=never-read");
    assertThat(section(text, "Serve lag"))
        .contains("partition 0: end 10, committed none, lag unknown")
        .contains("total unknown: consumer group never-read has committed no offsets on events");
  }

  @Test
  public void theRegistryAloneGivesItsSectionsAndSaysWhatNeedsTheBrokers() {
    String text = status(new StatusCommand(), "--registry=" + registryPath);

    assertThat(section(text, "Production"))
        .contains(v2 + ", since " + v2Since)
        .contains("promoted " + promotion.describe());
    assertThat(section(text, "Challenger")).contains(v4).contains("needs --bootstrapServers");
    List<String> decisions =
        section(text, "Last decisions (from registry").lines().skip(1).toList();
    assertThat(decisions.get(0)).contains("registered", v4, "learnt from " + v2);
    assertThat(decisions.get(1)).contains("rejected", v3, rejection.describe());
    assertThat(decisions).anySatisfy(d -> assertThat(d).contains("production", v2));
    assertThat(section(text, "Drift")).contains("needs --bootstrapServers");
    assertThat(section(text, "Serve lag")).contains("needs --bootstrapServers");
    assertThat(text).contains("note: registry only: give --bootstrapServers");
  }

  /** The lines of the section whose heading starts with {@code heading}, up to a blank line. */
  private static String section(String text, String heading) {
    int start = text.indexOf("\n" + heading);
    assertThat(start).as("section %s in%n%s", heading, text).isNotNegative();
    int end = text.indexOf("\n\n", start + 1);
    return text.substring(start + 1, end < 0 ? text.length() : end);
  }
}
