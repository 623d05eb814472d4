package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.metrics.LatencyBuckets;
import dev.freshet.pipelines.metrics.MetricNames;
import dev.freshet.pipelines.metrics.PrometheusScrape;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * The serving pipeline against a real in-process broker, on the direct runner and on embedded
 * Flink: every valid event gets exactly one prediction stamped with the model version, every
 * malformed record one dead letter with its reason, promotions are picked up without a restart and
 * corrupt or mismatched versions are refused while the previous one keeps serving.
 */
@RunWith(Parameterized.class)
public class ServePipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static List<String> sampleEvents;
  private static List<String> sampleOutcomes;
  private static final AtomicInteger RUNS = new AtomicInteger();

  @Parameterized.Parameters(name = "{0}")
  public static Collection<Object[]> runners() {
    return List.of(new Object[] {"DirectRunner"}, new Object[] {"FlinkRunner"});
  }

  @Parameterized.Parameter public String runner;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Where the Flink runs' Prometheus reporter answers (one port per test, never reused). */
  private final int metricsPort = PrometheusScrape.freePort();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    sampleEvents = Files.readAllLines(TestDataFiles.fraudSampleEvents());
    sampleOutcomes = Files.readAllLines(TestDataFiles.fraudSampleOutcomes());
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  /** Topics of their own per run, so runs never see each other's records. */
  private record Topics(
      String events, String outcomes, String predictions, String dead, String models) {
    static Topics fresh() {
      String p = "t" + RUNS.incrementAndGet() + "-";
      Topics t =
          new Topics(p + "events", p + "outcomes", p + "predictions", p + "dead", p + "models");
      KafkaTopics.create(
          kafka.bootstrapServers(),
          2,
          List.of(t.events, t.outcomes, t.predictions, t.dead, t.models));
      return t;
    }

    String[] args(String runner, String registry) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--runner=" + runner,
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--eventsTopic=" + events,
                  "--outcomesTopic=" + outcomes,
                  "--predictionsTopic=" + predictions,
                  "--deadLettersTopic=" + dead,
                  "--modelEventsTopic=" + models,
                  "--startOffset=EARLIEST",
                  "--modelPollMillis=100",
                  "--registry=" + registry));
      if (runner.equals("FlinkRunner")) {
        args.add("--flinkMaster=[local]");
        args.add("--parallelism=1");
      }
      return args.toArray(new String[0]);
    }
  }

  @Test
  public void everyValidEventGetsOnePredictionAndEveryMalformedRecordADeadLetter()
      throws Exception {
    Topics topics = Topics.fresh();
    ModelRegistry registry = ModelRegistry.at(tmp.getRoot().toString());
    String v1 = TestModels.register(registry, spec, 1);
    registry.promote(v1);

    List<String> events = sampleEvents.subList(0, 400);
    Map<DeadLetterReason, String> malformed = MalformedRecords.of(spec.events(), events.get(0));
    produce(topics, events, sampleOutcomes.subList(0, 20));
    produceRaw(topics.events, malformed.values());

    Instant produced = Instant.now();
    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(withMetrics(topics.args(runner, tmp.getRoot().toString()))), QUIET);
    Map<String, List<Prediction>> predictions = new HashMap<>();
    Map<String, Integer> deadReasons = new HashMap<>();
    try (TopicTail tail =
        TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions, topics.dead))) {
      boolean complete =
          tail.pollUntil(
              () ->
                  predictions.size() >= events.size()
                      && deadReasons.values().stream().mapToInt(Integer::intValue).sum()
                          >= malformed.size(),
              WAIT,
              r -> collect(r, topics, predictions, deadReasons));
      // A little longer, to catch duplicates that arrive after the counts were reached.
      tail.pollUntil(
          () -> false, Duration.ofSeconds(2), r -> collect(r, topics, predictions, deadReasons));
      assertThat(complete).as("all predictions and dead letters arrived").isTrue();
      if (runner.equals("FlinkRunner")) {
        assertServeMetrics(topics, events, malformed.keySet(), produced);
      }
    } finally {
      serving.cancel();
    }

    List<String> ids = events.stream().map(ServePipelineTest::eventId).toList();
    assertThat(predictions.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(predictions.values()).allSatisfy(list -> assertThat(list).hasSize(1));
    for (List<Prediction> list : predictions.values()) {
      Prediction p = list.get(0);
      assertThat(p.modelVersion()).isEqualTo(v1);
      assertThat(p.arm()).isEqualTo("production");
      assertThat(p.features()).hasSize(spec.size());
      assertThat(p.score()).isBetween(0f, 1f);
      assertThat(p.decision()).isEqualTo(p.score() >= 0.5f);
    }
    Map<String, Integer> expected = new HashMap<>();
    malformed.keySet().forEach(r -> expected.put(r.name(), 1));
    assertThat(deadReasons).isEqualTo(expected);
    // Nothing is lost: every record in is a prediction or a dead letter.
    assertThat(events.size() + malformed.size())
        .isEqualTo(predictions.size() + deadReasons.values().stream().mapToInt(i -> i).sum());
  }

  @Test
  public void promotionsAreServedWithoutARestartAndCorruptVersionsAreRefused() throws Exception {
    Topics topics = Topics.fresh();
    Path root = tmp.getRoot().toPath();
    ModelRegistry registry = ModelRegistry.at(root.toString());
    String v1 = TestModels.register(registry, spec, 1);
    String v2 = TestModels.register(registry, spec, 2);
    registry.promote(v1);

    PipelineResult serving =
        ServeJob.start(ServeJob.parse(withMetrics(topics.args(runner, root.toString()))), QUIET);
    Map<String, List<Prediction>> predictions = new HashMap<>();
    Map<String, Integer> dead = new HashMap<>();
    List<JsonNode> modelEvents = new ArrayList<>();
    try (TopicTail tail =
        TopicTail.of(
            kafka.bootstrapServers(), List.of(topics.predictions, topics.dead, topics.models))) {
      Consumer<ConsumerRecord<String, String>> sink =
          r -> {
            if (r.topic().equals(topics.models)) {
              modelEvents.add(readTree(r.value()));
            } else {
              collect(r, topics, predictions, dead);
            }
          };
      List<List<String>> batches = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        batches.add(sampleEvents.subList(i * 100, (i + 1) * 100));
      }

      produce(topics, batches.get(0), List.of());
      assertThat(tail.pollUntil(() -> predictions.size() >= 100, WAIT, sink)).isTrue();

      Instant promoted = Instant.now();
      registry.promote(v2);
      assertThat(
              tail.pollUntil(
                  () -> announced(modelEvents, ModelEvent.Type.SWAPPED.json(), v2), WAIT, sink))
          .isTrue();
      produce(topics, batches.get(1), List.of());
      assertThat(tail.pollUntil(() -> predictions.size() >= 200, WAIT, sink)).isTrue();
      System.out.printf(
          "%s: swap to %s announced %d ms after the promotion%n",
          runner, v2, Duration.between(promoted, Instant.now()).toMillis());

      // A version trained for another feature spec: refused, v2 keeps serving.
      String mismatched =
          TestModels.register(
              registry,
              dev.freshet.model.FeatureLayout.builder("another-spec").numeric("x").build(),
              3);
      registry.promote(mismatched);
      assertThat(
              tail.pollUntil(
                  () -> announced(modelEvents, ModelEvent.Type.REFUSED.json(), mismatched),
                  WAIT,
                  sink))
          .isTrue();
      produce(topics, batches.get(2), List.of());
      assertThat(tail.pollUntil(() -> predictions.size() >= 300, WAIT, sink)).isTrue();

      // A version whose parameters cannot be loaded: refused too.
      String corrupt = TestModels.registerUnloadable(root, v2);
      registry.promote(corrupt);
      assertThat(
              tail.pollUntil(
                  () -> announced(modelEvents, ModelEvent.Type.REFUSED.json(), corrupt),
                  WAIT,
                  sink))
          .isTrue();
      produce(topics, batches.get(3), List.of());
      assertThat(tail.pollUntil(() -> predictions.size() >= 400, WAIT, sink)).isTrue();
      tail.pollUntil(() -> false, Duration.ofSeconds(2), sink);

      for (int b = 0; b < batches.size(); b++) {
        String expected = b == 0 ? v1 : v2;
        for (String event : batches.get(b)) {
          List<Prediction> got = predictions.get(eventId(event));
          assertThat(got).as("predictions of %s", eventId(event)).hasSize(1);
          assertThat(got.get(0).modelVersion()).as("batch %d", b).isEqualTo(expected);
        }
      }
      assertThat(predictions).hasSize(400);
      assertThat(dead).isEmpty();
      JsonNode refusal =
          modelEvents.stream()
              .filter(e -> e.get("version").asText().equals(corrupt))
              .findFirst()
              .orElseThrow();
      assertThat(refusal.get("serving").asText()).isEqualTo(v2);
      assertThat(refusal.get("reason").asText()).isEqualTo("UNREADABLE");
      if (runner.equals("FlinkRunner")) {
        Map<String, Double> metrics = scrapeUntil(m -> m.getOrDefault("predictions", 0.0) >= 400);
        assertThat(metrics).containsEntry("model_swaps", 1.0).containsEntry("model_refused", 2.0);
      }
    } finally {
      serving.cancel();
    }
  }

  /**
   * Online evaluation: with a newer candidate in the registry, SHADOW scores every event with both
   * versions while production decides; AB lets the challenger decide for about half of the cards,
   * always the same ones.
   */
  @Test
  public void shadowAndAbRoutingScoreWithTheChallenger() throws Exception {
    ModelRegistry registry = ModelRegistry.at(tmp.getRoot().toString());
    String v1 = TestModels.register(registry, spec, 1);
    registry.promote(v1);
    String v2 = TestModels.register(registry, spec, 2);
    List<String> events = sampleEvents.subList(0, 200);

    Map<String, List<Prediction>> shadow = serveWith("SHADOW", events);
    assertThat(shadow).hasSize(events.size());
    for (List<Prediction> list : shadow.values()) {
      Prediction p = list.get(0);
      assertThat(p.arm()).isEqualTo("production");
      assertThat(p.modelVersion()).isEqualTo(v1);
      assertThat(p.scores()).containsOnlyKeys(v1, v2);
      assertThat(p.score()).isEqualTo(p.scores().get(v1));
    }

    Map<String, List<Prediction>> ab = serveWith("AB", events);
    assertThat(ab).hasSize(events.size());
    Map<String, String> armByCard = new HashMap<>();
    Map<String, Integer> decisions = new HashMap<>();
    for (String event : events) {
      Prediction p = ab.get(eventId(event)).get(0);
      String card = readTree(event).get("card_id").asText();
      String previous = armByCard.putIfAbsent(card, p.arm());
      assertThat(previous == null || previous.equals(p.arm()))
          .as("card %s stays on one arm", card)
          .isTrue();
      assertThat(p.modelVersion()).isEqualTo(p.arm().equals("challenger") ? v2 : v1);
      assertThat(p.scores()).containsOnlyKeys(p.modelVersion());
      decisions.merge(p.arm(), 1, Integer::sum);
    }
    assertThat(decisions.get("challenger")).isBetween(50, 150);
    assertThat(decisions.get("production")).isBetween(50, 150);
  }

  private Map<String, List<Prediction>> serveWith(String routing, List<String> events)
      throws Exception {
    Topics topics = Topics.fresh();
    produce(topics, events, List.of());
    List<String> args = new ArrayList<>(List.of(topics.args(runner, tmp.getRoot().toString())));
    args.add("--routing=" + routing);
    PipelineResult serving = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), QUIET);
    Map<String, List<Prediction>> predictions = new HashMap<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions))) {
      assertThat(
              tail.pollUntil(
                  () -> predictions.size() >= events.size(),
                  WAIT,
                  r -> collect(r, topics, predictions, new HashMap<>())))
          .as("%s predictions", routing)
          .isTrue();
    } finally {
      serving.cancel();
    }
    return predictions;
  }

  @Test(timeout = 60_000)
  public void unreachableKafkaFailsFastNamingTheServers() throws Exception {
    ModelRegistry registry = ModelRegistry.at(tmp.getRoot().toString());
    registry.promote(TestModels.register(registry, spec, 1));
    String[] args = {
      "--runner=" + runner, "--bootstrapServers=127.0.0.1:1", "--registry=" + tmp.getRoot()
    };
    assertThatThrownBy(() -> ServeJob.start(ServeJob.parse(args), QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("127.0.0.1:1")
        .hasMessageContaining("no Kafka broker answered");
  }

  @Test
  public void noProductionModelFailsFastSayingWhatToDo() {
    Topics topics = Topics.fresh();
    assertThatThrownBy(
            () ->
                ServeJob.start(
                    ServeJob.parse(topics.args(runner, tmp.getRoot().toString())), QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no production model")
        .hasMessageContaining("freshet train --registry=");
  }

  /**
   * On Flink, {@code args} with Flink's Prometheus reporter turned on for the embedded cluster on
   * this test's port, as docs/metrics.md turns it on; unchanged on the direct runner.
   */
  private String[] withMetrics(String[] args) throws IOException {
    if (!runner.equals("FlinkRunner")) {
      return args;
    }
    List<String> with = new ArrayList<>(List.of(args));
    Path conf = PrometheusScrape.confDir(tmp.newFolder("flink-conf").toPath(), metricsPort);
    with.add("--flinkConfDir=" + conf);
    return with.toArray(new String[0]);
  }

  /** Freshet's metrics on the reporter's endpoint, read until {@code done} holds (or WAIT). */
  private Map<String, Double> scrapeUntil(Predicate<Map<String, Double>> done)
      throws InterruptedException {
    return PrometheusScrape.freshetUntil(metricsPort, done, WAIT);
  }

  /**
   * What an operator of the serve job reads from Prometheus: predictions counted per arm, dead
   * letters per reason, both latency histograms (cumulative buckets, one observation per
   * prediction, a mean within the events' age), the version served, and every partition's lag down
   * to zero once everything was read.
   */
  private void assertServeMetrics(
      Topics topics, List<String> events, Collection<DeadLetterReason> reasons, Instant produced)
      throws IOException, InterruptedException {
    int n = events.size();
    List<String> partitions = new ArrayList<>();
    for (String topic : List.of(topics.events, topics.outcomes)) {
      for (int partition = 0; partition < 2; partition++) {
        partitions.add("kafka_consumer_lag_records_" + MetricNames.part(topic) + "_" + partition);
      }
    }
    // Wait for every value asserted below: Flink's metrics are copied from Beam's at the end of
    // each bundle, one at a time, so a scrape can fall between two of them.
    Map<String, Double> m =
        scrapeUntil(
            got ->
                Stream.of(
                            "predictions",
                            "predictions_production",
                            "serve_event_latency_milliseconds_count",
                            "serve_event_latency_milliseconds_bucket_le_inf",
                            "serve_record_latency_milliseconds_count",
                            "serve_record_latency_milliseconds_bucket_le_inf")
                        .allMatch(name -> got.getOrDefault(name, 0.0) >= n)
                    && got.getOrDefault("payments_dead", 0.0) >= reasons.size()
                    && partitions.stream().allMatch(p -> got.getOrDefault(p, -1.0) == 0));
    Instant scraped = Instant.now();
    // The whole page, for whoever reads a failure (and docs/metrics.md's excerpt).
    Files.writeString(Path.of("target", "serve-metrics.prom"), PrometheusScrape.page(metricsPort));
    assertThat(m).containsEntry("predictions", (double) n);
    assertThat(m).containsEntry("predictions_production", (double) n);
    assertThat(m.getOrDefault("predictions_challenger", 0.0)).isZero();
    assertThat(m).containsEntry("payments_dead", (double) reasons.size());
    for (DeadLetterReason reason : reasons) {
      assertThat(m).containsEntry("payments_dead_" + reason.name(), 1.0);
    }
    for (String latency :
        List.of("serve_event_latency_milliseconds", "serve_record_latency_milliseconds")) {
      assertThat(m).containsEntry(latency + "_count", (double) n);
      double previous = 0;
      for (int b = 0; b < LatencyBuckets.count(); b++) {
        String bucket = latency + "_bucket_" + LatencyBuckets.label(b);
        assertThat(m).as(bucket).containsKey(bucket);
        assertThat(m.get(bucket)).as("%s is cumulative", bucket).isGreaterThanOrEqualTo(previous);
        previous = m.get(bucket);
      }
      assertThat(previous).as("the +Inf bucket counts every prediction").isEqualTo(n);
    }
    // The sample events are from the past and were written with their event time as record
    // time: each latency is their age when scored, between produced and scraped.
    long sumOfEventTimes =
        events.stream()
            .mapToLong(e -> Instant.parse(readTree(e).get("event_time").asText()).toEpochMilli())
            .sum();
    double meanAgeAtProduce = (n * (double) produced.toEpochMilli() - sumOfEventTimes) / n;
    double meanAgeAtScrape = (n * (double) scraped.toEpochMilli() - sumOfEventTimes) / n;
    assertThat(m.get("serve_event_latency_milliseconds_sum") / n)
        .isBetween(meanAgeAtProduce, meanAgeAtScrape);
    assertThat(m.get("serve_record_latency_milliseconds_sum") / n)
        .isBetween(meanAgeAtProduce, meanAgeAtScrape);
    assertThat(m.get("serve_model_created_seconds_production"))
        .isBetween(
            (double) produced.minus(WAIT).getEpochSecond(), (double) scraped.getEpochSecond());
    assertThat(m).containsEntry("serve_model_created_seconds_challenger", 0.0);
    for (String partition : partitions) {
      assertThat(m).containsEntry(partition, 0.0);
    }
  }

  private static boolean announced(List<JsonNode> events, String type, String version) {
    return events.stream()
        .anyMatch(
            e -> e.get("type").asText().equals(type) && e.get("version").asText().equals(version));
  }

  private static void collect(
      ConsumerRecord<String, String> r,
      Topics topics,
      Map<String, List<Prediction>> predictions,
      Map<String, Integer> deadReasons) {
    if (r.topic().equals(topics.predictions)) {
      Prediction p = Prediction.parse(r.value());
      predictions.computeIfAbsent(p.eventId(), k -> new ArrayList<>()).add(p);
    } else if (r.topic().equals(topics.dead)) {
      deadReasons.merge(readTree(r.value()).get("reason").asText(), 1, Integer::sum);
    }
  }

  private static void produce(Topics topics, List<String> events, List<String> outcomes) {
    try (KafkaProducer<String, String> producer = producer()) {
      for (String e : events) {
        JsonNode n = readTree(e);
        producer.send(
            new ProducerRecord<>(
                topics.events,
                null,
                Instant.parse(n.get("event_time").asText()).toEpochMilli(),
                n.get("card_id").asText(),
                e));
      }
      for (String o : outcomes) {
        JsonNode n = readTree(o);
        producer.send(
            new ProducerRecord<>(
                topics.outcomes,
                null,
                Instant.parse(n.get("outcome_time").asText()).toEpochMilli(),
                n.get("event_id").asText(),
                o));
      }
    }
  }

  private static void produceRaw(String topic, Collection<String> values) {
    try (KafkaProducer<String, String> producer = producer()) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, "bad", v));
      }
    }
  }

  private static KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            1 << 20),
        new StringSerializer(),
        new StringSerializer());
  }

  private static String eventId(String json) {
    return readTree(json).get("event_id").asText();
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
