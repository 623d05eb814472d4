package dev.freshet.pipelines.learn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.evaluation.OfflineGate;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.examples.Example;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelStatus;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.metrics.PrometheusScrape;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The learner against a real broker: logged predictions and outcomes in, candidates that passed the
 * offline gate in the registry and on {@code model-events}; production untouched; a broken
 * candidate refused; a restarted learner continues from its latest candidate without training twice
 * on the labels it already learnt from.
 *
 * <p>Data: a seeded fraud stream at 0.005 payments/s (two weeks). Production is trained on its
 * first third (its holdout becomes the smoke-test set); serve's logged predictions for the rest are
 * stood in for by the bounded path's feature vectors, which are bit-identical to serve's.
 */
public class LearnPipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final AtomicInteger RUNS = new AtomicInteger();

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static Path productionRegistry;
  private static String production;

  /** Examples after production's data, in event-time order, with their outcome lines. */
  private static List<Example> later;

  private static List<JsonNode> outcomes;

  @BeforeClass
  public static void setUp() throws Exception {
    kafka = EmbeddedKafka.start();
    Path data = TMP.newFolder("fraud").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(5).events(6000).eventsPerSecond(0.005).build(),
        data,
        GenerateFraud.Format.jsonl,
        QUIET);
    productionRegistry = TMP.newFolder("registry").toPath();
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(
                "--events=" + data.resolve("events.jsonl"),
                "--outcomes=" + data.resolve("outcomes.jsonl"),
                "--registry=" + productionRegistry,
                "--epochs=10",
                "--positiveClassWeight=5")
            .withValidation()
            .as(TrainOptions.class);
    spec = dev.freshet.pipelines.features.Specs.load(options);
    assertThat(spec.name()).isEqualTo(Domain.FRAUD.name().toLowerCase(java.util.Locale.ROOT));
    List<Example> all =
        new ArrayList<>(
            TrainJob.computeExamples(options, spec, TMP.newFolder("examples").toPath()));
    all.sort(Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::id));
    int third = all.size() / 3;
    production =
        TrainAndRegister.fit(options, spec, new ArrayList<>(all.subList(0, third)), QUIET)
            .versionId();
    later = List.copyOf(all.subList(third, all.size()));
    outcomes = new ArrayList<>();
    for (String line : Files.readAllLines(data.resolve("outcomes.jsonl"))) {
      outcomes.add(JSON.readTree(line));
    }
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  @Test
  public void candidatesPassTheGateAndARestartContinuesWithoutCountingLabelsTwice()
      throws Exception {
    Path registry = copyOfProductionRegistry();
    Topics topics = Topics.fresh();
    int half = later.size() / 2;
    long aEnd = later.get(half - 1).eventTimeMillis();
    produce(topics, later.subList(0, half), Long.MIN_VALUE, aEnd);

    // First run: learns from the first half until it has registered two candidates.
    List<JsonNode> events = new ArrayList<>();
    PipelineResult first = start(topics, registry, "group-a", 0, NO_PROMOTER);
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.models))) {
      assertThat(
              tail.pollUntil(
                  () -> running(first) && count(events, ModelEvent.Type.CANDIDATE.json()) >= 2,
                  WAIT,
                  r -> events.add(read(r.value()))))
          .as("two candidates registered: %s", events)
          .isTrue();
      tail.pollUntil(() -> false, Duration.ofSeconds(3), r -> events.add(read(r.value())));
    } finally {
      first.cancel();
    }
    ModelRegistry firstRegistry = ModelRegistry.at(registry.toString());
    assertThat(firstRegistry.production()).as("production untouched").contains(production);
    // A cancelled job may finish the bundle it was in, registering one more candidate: the restart
    // continues from a copy of the registry as it is now, and announces on a topic of its own, so
    // nothing the first run does late is taken for the second run's work.
    Path restartRegistry = copyOf(registry);
    ModelRegistry r = ModelRegistry.at(restartRegistry.toString());
    List<ModelVersion> candidates = learnerCandidates(r);
    assertThat(candidates).hasSizeGreaterThanOrEqualTo(2);
    assertThat(candidates.get(0).manifest().parentVersion()).isEqualTo(production);
    for (int i = 1; i < candidates.size(); i++) {
      assertThat(candidates.get(i).manifest().parentVersion())
          .isEqualTo(candidates.get(i - 1).id());
    }
    assertThat(candidates).allSatisfy(v -> assertThat(v.status()).isEqualTo(ModelStatus.CANDIDATE));
    ModelVersion last = candidates.get(candidates.size() - 1);
    long learnt = last.manifest().metrics().get(CandidateLearner.EXAMPLES_METRIC).longValue();
    // The registry is written before the event is published, so the newest candidate's event may
    // have been cut off by the cancel: check the newest one announced.
    JsonNode evidence =
        events.stream()
            .filter(e -> e.get("type").asText().equals(ModelEvent.Type.CANDIDATE.json()))
            .reduce((a, b) -> b)
            .orElseThrow();
    List<String> ids = candidates.stream().map(ModelVersion::id).toList();
    int announced = ids.indexOf(evidence.get("version").asText());
    assertThat(announced).as("announced %s is registered", evidence).isNotNegative();
    assertThat(evidence.get("parent").asText())
        .isEqualTo(announced == 0 ? production : ids.get(announced - 1));
    assertThat(evidence.get("smoke_test").get("candidate_ne").asDouble())
        .isLessThanOrEqualTo(evidence.get("smoke_test").get("production_ne").asDouble() * 1.05);

    // Second run, another consumer group from the earliest offsets: it reads the first half again
    // and then the second half. It continues from the last candidate and skips what it learnt.
    produce(topics, later.subList(half, later.size()), aEnd, Long.MAX_VALUE);
    Topics restart = topics.withFreshModelEvents();
    List<JsonNode> more = new ArrayList<>();
    PipelineResult second = start(restart, restartRegistry, "group-b", 0, NO_PROMOTER);
    long skipped;
    long trained;
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(restart.models))) {
      assertThat(
              tail.pollUntil(
                  () -> running(second) && count(more, ModelEvent.Type.CANDIDATE.json()) >= 1,
                  WAIT,
                  rec -> more.add(read(rec.value()))))
          .as("candidates after the restart: %s", more)
          .isTrue();
      // The direct runner reports a bundle's attempted metrics only after it has handed the
      // bundle's output downstream, so the candidate's event can arrive before the counters of
      // the bundle that registered it (on a busy machine it did: 0 skipped read). Wait for them;
      // a count above the expected one still fails below.
      tail.pollUntil(
          () -> counter(second, "learn_examples_seen_before") >= learnt,
          WAIT,
          rec -> more.add(read(rec.value())));
      skipped = counter(second, "learn_examples_seen_before");
      trained = counter(second, "learn_examples");
    } finally {
      second.cancel();
    }
    System.out.printf(
        "first run: %d examples in its last candidate; after the restart: %d skipped as learnt, %d"
            + " trained%n",
        learnt, skipped, trained);
    // Examples reach the learner in label-time order, so exactly those in the last candidate are
    // labelled at or before its label time: all of them are skipped, and nothing else.
    assertThat(skipped).as("re-read examples already learnt are skipped").isEqualTo(learnt);
    List<ModelVersion> after = learnerCandidates(r);
    ModelVersion resumed = after.get(candidates.size());
    assertThat(resumed.manifest().parentVersion()).as("resumed from").isEqualTo(last.id());
    long total =
        after
            .get(after.size() - 1)
            .manifest()
            .metrics()
            .get(CandidateLearner.EXAMPLES_METRIC)
            .longValue();
    assertThat(total)
        .as("never more examples than distinct labelled predictions")
        .isLessThanOrEqualTo(later.size());
    assertThat(r.production()).contains(production);
  }

  /**
   * The learner itself, without Kafka: warm-start updates pass the gate and are registered as a
   * chain of candidates from production; a new learner (a restart) continues from the last one and
   * skips exactly the examples already in it.
   */
  @Test
  public void theLearnerRegistersCandidatesAndARestartSkipsWhatItLearnt() throws Exception {
    Path registry = copyOfProductionRegistry();
    ModelRegistry r = ModelRegistry.at(registry.toString());
    CandidateLearner.Settings settings =
        new CandidateLearner.Settings(2, 1, 0, 5000, new OfflineGate(0.05, 2));
    SmokeTestSet smoke = SmokeTestSet.read(registry.toString(), spec);
    List<List<Example>> batches = new ArrayList<>();
    for (int i = 0; i + 200 <= 1600; i += 200) {
      List<Example> batch = new ArrayList<>();
      for (Example e : later.subList(i, i + 200)) {
        // Label times in stream order, as JoinLabels emits them.
        batch.add(
            new Example(e.id(), e.eventTimeMillis(), e.eventTimeMillis(), e.label(), e.features()));
      }
      batches.add(batch);
    }
    try (CandidateLearner learner =
        CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      assertThat(learner.baseVersion()).isEqualTo(production);
      for (List<Example> batch : batches.subList(0, 6)) {
        CandidateLearner.Step step = learner.learn(batch);
        assertThat(step.trained()).isEqualTo(200);
        step.decision()
            .ifPresent(d -> assertThat(d.type()).as("%s", d).isEqualTo(ModelEvent.Type.CANDIDATE));
      }
    }
    List<ModelVersion> candidates = learnerCandidates(r);
    assertThat(candidates).hasSize(3);
    assertThat(candidates.get(0).manifest().parentVersion()).isEqualTo(production);
    assertThat(candidates.get(2).manifest().parentVersion()).isEqualTo(candidates.get(1).id());
    assertThat(candidates.get(2).manifest().metrics().get(CandidateLearner.EXAMPLES_METRIC))
        .isEqualTo(1200.0);
    assertThat(r.production()).contains(production);

    try (CandidateLearner restarted =
        CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      assertThat(restarted.baseVersion()).isEqualTo(candidates.get(2).id());
      assertThat(restarted.examples()).isEqualTo(1200);
      long skipped = 0;
      long trained = 0;
      for (List<Example> batch : batches) {
        CandidateLearner.Step step = restarted.learn(batch);
        skipped += step.skipped();
        trained += step.trained();
      }
      assertThat(skipped).as("the 1,200 examples already learnt").isEqualTo(1200);
      assertThat(trained).isEqualTo(400);
    }
    List<ModelVersion> after = learnerCandidates(r);
    assertThat(after).hasSize(4);
    assertThat(after.get(3).manifest().parentVersion()).isEqualTo(candidates.get(2).id());
    assertThat(after.get(3).manifest().metrics().get(CandidateLearner.EXAMPLES_METRIC))
        .isEqualTo(1600.0);
  }

  /**
   * With {@code --normalizationMemory} the copy's normalisation follows the micro-batches and the
   * registered candidate carries the moved statistics (wider ranges included); without it the
   * candidate keeps production's.
   */
  @Test
  public void aLearnerFollowingTheNormalisationRegistersItsMovedStatistics() throws Exception {
    Path registry = copyOfProductionRegistry();
    ModelRegistry r = ModelRegistry.at(registry.toString());
    CandidateLearner.Settings settings =
        new CandidateLearner.Settings(2, 1, 0, 5000, new OfflineGate(0.05, 2), 0, 400);
    SmokeTestSet smoke = SmokeTestSet.read(registry.toString(), spec);
    NormalizationStats base;
    try (LoadedModel loaded = r.load(production, spec.fingerprint())) {
      base = loaded.classifier().normalization();
    }
    try (CandidateLearner learner =
        CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      for (int i = 0; i < 2; i++) {
        List<Example> batch = new ArrayList<>();
        for (Example e : later.subList(i * 200, i * 200 + 200)) {
          batch.add(
              new Example(
                  e.id(), e.eventTimeMillis(), e.eventTimeMillis(), e.label(), e.features()));
        }
        learner.learn(batch).decision().ifPresent(d -> System.out.println("decision: " + d));
      }
    }
    List<ModelVersion> candidates = learnerCandidates(r);
    assertThat(candidates).hasSize(1);
    NormalizationStats moved = candidates.get(0).manifest().normalization();
    assertThat(moved).isNotEqualTo(base);
    for (int j = 0; j < base.mean().length; j++) {
      assertThat(moved.min()[j]).isLessThanOrEqualTo(base.min()[j]);
      assertThat(moved.max()[j]).isGreaterThanOrEqualTo(base.max()[j]);
    }
  }

  /**
   * With the online gate on, a registered candidate holds newer ones back while it is judged online
   * (one challenger at a time), for at most the hold in label time; the learner trains meanwhile.
   */
  @Test
  public void theLearnerHoldsNewerCandidatesWhileTheChallengerIsJudged() throws Exception {
    Path registry = copyOfProductionRegistry();
    ModelRegistry r = ModelRegistry.at(registry.toString());
    long twentyMinutes = Duration.ofMinutes(20).toMillis();
    CandidateLearner.Settings settings =
        new CandidateLearner.Settings(
            2, 1, 0, 5000, new OfflineGate(0.05, 2), Duration.ofHours(1).toMillis());
    SmokeTestSet smoke = SmokeTestSet.read(registry.toString(), spec);
    long start = later.get(0).eventTimeMillis();
    List<Optional<ModelEvent>> decisions = new ArrayList<>();
    try (CandidateLearner learner =
        CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      for (int k = 0; k < 5; k++) {
        // Micro-batch k is labelled 20 minutes of stream time after micro-batch k - 1.
        List<Example> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Example e = later.get(k * 200 + i);
          batch.add(
              new Example(
                  e.id(),
                  e.eventTimeMillis(),
                  start + (k + 1) * twentyMinutes + i,
                  e.label(),
                  e.features()));
        }
        CandidateLearner.Step step = learner.learn(batch);
        assertThat(step.trained()).isEqualTo(200);
        decisions.add(step.decision());
      }
    }
    assertThat(decisions.get(1)).as("first gate").isPresent();
    assertThat(decisions.get(3))
        .as("second gate, 40 minutes into the hold: held, training goes on")
        .isEmpty();
    assertThat(decisions.get(4)).as("an hour after the challenger: the hold is over").isPresent();
    List<ModelVersion> candidates = learnerCandidates(r);
    assertThat(candidates).hasSize(2);
    assertThat(candidates.get(1).manifest().parentVersion()).isEqualTo(candidates.get(0).id());
    assertThat(candidates.get(1).manifest().metrics().get(CandidateLearner.EXAMPLES_METRIC))
        .isEqualTo(1000.0);
  }

  /**
   * The online gate: a challenger scored in shadow with better predictions is promoted with its
   * evidence; once in production its predictions turn bad, and it is rolled back to its predecessor
   * and rejected.
   */
  @Test
  public void aBetterChallengerIsPromotedAndRolledBackWhenItDegrades() throws Exception {
    Path registry = copyOfProductionRegistry();
    ModelRegistry r = ModelRegistry.at(registry.toString());
    String challenger = registerCopyOfProduction(r);
    Topics topics = Topics.fresh();
    int half = later.size() / 2;
    long cut = later.get(half - 1).eventTimeMillis();
    Random noise = new Random(8);
    // Shadow mode: both score every event; the challenger is sharper.
    produce(
        topics,
        later.subList(0, half),
        Long.MIN_VALUE,
        cut,
        e ->
            ordered(
                production,
                guess(noise, e, 0.35f, 0.08f),
                challenger,
                guess(noise, e, 0.8f, 0.02f)));
    List<JsonNode> events = new ArrayList<>();
    PipelineResult learning = start(topics, registry, "group-promote", 0, PROMOTER_ARGS);
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.models))) {
      assertThat(
              tail.pollUntil(
                  () -> running(learning) && count(events, ModelEvent.Type.PROMOTED.json()) >= 1,
                  WAIT,
                  rec -> events.add(read(rec.value()))))
          .as("promoted: %s", events)
          .isTrue();
      assertThat(r.production()).contains(challenger);
      JsonNode promoted = first(events, ModelEvent.Type.PROMOTED.json());
      assertThat(promoted.get("version").asText()).isEqualTo(challenger);
      assertThat(promoted.get("previous").asText()).isEqualTo(production);
      JsonNode online = promoted.get("online");
      assertThat(online.get("test").get("z").asDouble())
          .isGreaterThanOrEqualTo(online.get("test").get("threshold").asDouble());
      assertThat(online.get("challenger").get("log_loss").asDouble())
          .isLessThan(online.get("production").get("log_loss").asDouble());
      assertThat(online.get("challenger").get("labelled").asLong()).isGreaterThanOrEqualTo(100);

      // In production now, the promoted version predicts worse than its predecessor did.
      produce(
          topics,
          later.subList(half, later.size()),
          cut,
          Long.MAX_VALUE,
          e -> Map.of(challenger, guess(noise, e, 0.2f, 0.3f)));
      assertThat(
              tail.pollUntil(
                  () -> running(learning) && count(events, ModelEvent.Type.ROLLED_BACK.json()) >= 1,
                  WAIT,
                  rec -> events.add(read(rec.value()))))
          .as("rolled back: %s", events)
          .isTrue();
    } finally {
      learning.cancel();
    }
    JsonNode rolledBack = first(events, ModelEvent.Type.ROLLED_BACK.json());
    assertThat(rolledBack.get("restored").asText()).isEqualTo(production);
    assertThat(rolledBack.get("online").get("promoted").get("log_loss").asDouble())
        .isGreaterThan(rolledBack.get("online").get("predecessor").get("log_loss").asDouble());
    assertThat(r.production()).contains(production);
    assertThat(r.describe(challenger).status()).isEqualTo(ModelStatus.REJECTED);
  }

  /**
   * A challenger that passed the offline gate but predicts worse on live traffic stays out. On the
   * Flink mini-cluster, so learn runs on both runners.
   */
  @Test
  public void aChallengerWorseOnlineIsRejectedAndNeverPromoted() throws Exception {
    Path registry = copyOfProductionRegistry();
    ModelRegistry r = ModelRegistry.at(registry.toString());
    String challenger = registerCopyOfProduction(r);
    Topics topics = Topics.fresh();
    Random noise = new Random(9);
    produce(
        topics,
        later,
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        e ->
            ordered(
                production,
                guess(noise, e, 0.8f, 0.02f),
                challenger,
                guess(noise, e, 0.35f, 0.08f)));
    List<JsonNode> events = new ArrayList<>();
    List<String> onFlink = new ArrayList<>(List.of(PROMOTER_ARGS));
    onFlink.addAll(List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=1"));
    // Flink's Prometheus reporter, as docs/metrics.md turns it on: the online gate's metrics.
    int metricsPort = PrometheusScrape.freePort();
    onFlink.add(
        "--flinkConfDir=" + PrometheusScrape.confDir(TMP.newFolder().toPath(), metricsPort));
    PipelineResult learning =
        start(topics, registry, "group-reject", 0, onFlink.toArray(new String[0]));
    Map<String, Double> metrics;
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.models))) {
      assertThat(
              tail.pollUntil(
                  () ->
                      running(learning)
                          && events.stream()
                              .anyMatch(
                                  e ->
                                      e.get("type")
                                              .asText()
                                              .equals(ModelEvent.Type.CANDIDATE_REJECTED.json())
                                          && e.has("online")),
                  WAIT,
                  rec -> events.add(read(rec.value()))))
          .as("rejected online: %s", events)
          .isTrue();
      // Flink copies each Beam counter to its own at the end of a bundle, one after the other, so
      // a scrape can fall between the two arms' counts (950 against 900, then 2,750 against 3,100
      // were read): wait for a scrape that sees them equal.
      metrics =
          PrometheusScrape.freshetUntil(
              metricsPort,
              m ->
                  m.containsKey("promoter_candidates_rejected")
                      && m.getOrDefault("online_labelled_production", 0.0) > 0
                      && m.get("online_labelled_production")
                          .equals(m.get("online_labelled_challenger")),
              WAIT);
    } finally {
      learning.cancel();
    }
    assertThat(metrics).containsEntry("promoter_candidates_rejected", 1.0);
    assertThat(metrics.getOrDefault("promotions", 0.0)).isZero();
    // Every labelled prediction carries both versions' scores: each arm is judged on all of them.
    assertThat(metrics.get("online_labelled_production")).isPositive();
    assertThat(metrics.get("online_labelled_challenger"))
        .isEqualTo(metrics.get("online_labelled_production"));
    assertThat(metrics.get("online_log_loss_milli_challenger"))
        .as("the worse challenger's online log loss, in thousandths")
        .isGreaterThan(metrics.get("online_log_loss_milli_production"));
    assertThat(metrics.get("online_ne_milli_challenger"))
        .isGreaterThan(metrics.get("online_ne_milli_production"));
    assertThat(count(events, ModelEvent.Type.PROMOTED.json())).isZero();
    assertThat(r.production()).contains(production);
    assertThat(r.describe(challenger).status()).isEqualTo(ModelStatus.REJECTED);
  }

  /**
   * An example whose label reaches the learner after the watermark released its label time (input
   * more out of order than {@code --maxOutOfOrderSeconds}) is counted late ({@code
   * learn_examples_late}) and still learnt.
   */
  @Test
  public void anExampleLabelledBehindWhatWasReleasedIsCountedLateAndStillLearnt() throws Exception {
    List<Example> examples = new ArrayList<>(later.subList(0, 40));
    examples.sort(Comparator.comparingLong(Example::labelTimeMillis).thenComparing(Example::id));
    Example held = examples.remove(0);
    long newest = examples.get(examples.size() - 1).labelTimeMillis();
    TestStream.Builder<KV<String, Example>> stream =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), Example.ExampleCoder.of()));
    for (Example e : examples) {
      stream = stream.addElements(atLabelTime(e));
    }
    TestStream<KV<String, Example>> input =
        stream
            .advanceWatermarkTo(new org.joda.time.Instant(newest + 3_600_000))
            .addElements(atLabelTime(held))
            .advanceWatermarkToInfinity();
    LearnFn.Config config =
        new LearnFn.Config(
            "late-" + RUNS.incrementAndGet(),
            copyOfProductionRegistry().toString(),
            spec,
            new CandidateLearner.Settings(100_000, 1, 0, 500, new OfflineGate(0.05, 1.2)),
            1,
            1);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(input).apply(ParDo.of(new LearnFn(config)));
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(counter(result, "learn_examples_late")).isEqualTo(1);
    assertThat(counter(result, "learn_examples")).isEqualTo(examples.size() + 1);
  }

  /** {@code e} as the learner's input: keyed as one learner, stamped with its label time. */
  private static TimestampedValue<KV<String, Example>> atLabelTime(Example e) {
    return TimestampedValue.of(KV.of("learner", e), new org.joda.time.Instant(e.labelTimeMillis()));
  }

  /**
   * An example that arrived late (labelled before the newest label of the candidate registered
   * before it came): a learner started anew skips it as learnt into that candidate, which is right
   * only for examples read again; a learner restored from a checkpoint (where the example had not
   * been read yet) resumes from the checkpoint's base version and learns it.
   */
  @Test
  public void aLearnerRestoredFromACheckpointLearnsALateExampleThatALearnerStartedAnewSkips()
      throws Exception {
    String registry = copyOfProductionRegistry().toString();
    ModelRegistry r = ModelRegistry.at(registry);
    SmokeTestSet smoke = SmokeTestSet.read(registry, spec);
    // A gate at every micro-batch that any working copy passes.
    CandidateLearner.Settings settings =
        new CandidateLearner.Settings(1, 1, 0, 500, new OfflineGate(10, 100));
    List<Example> examples = new ArrayList<>(later.subList(0, 200));
    examples.sort(Comparator.comparingLong(Example::labelTimeMillis).thenComparing(Example::id));
    Example late = examples.remove(100);
    String candidate;
    try (CandidateLearner first = CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      CandidateLearner.Step step = first.learn(examples);
      assertThat(step.decision().map(ModelEvent::type)).contains(ModelEvent.Type.CANDIDATE);
      candidate = step.decision().orElseThrow().version();
    }

    try (CandidateLearner anew = CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      assertThat(anew.baseVersion()).isEqualTo(candidate);
      assertThat(anew.learn(List.of(late)).skipped()).isEqualTo(1);
    }
    // Restored from a checkpoint taken after the candidate was registered, before the late one
    // was read: the same base version, but the example is new to it.
    try (CandidateLearner restored =
        CandidateLearner.start(r, spec.fingerprint(), settings, smoke)) {
      restored.resumeAfterRestore(candidate);
      assertThat(restored.baseVersion()).isEqualTo(candidate);
      CandidateLearner.Step step = restored.learn(List.of(late));
      assertThat(step.trained()).isEqualTo(1);
      assertThat(step.skipped()).isZero();
    }
  }

  /** A bad option is the first thing reported, naming the option, before Kafka is contacted. */
  @Test(timeout = 30_000)
  public void badOptionsFailNamingTheOptionBeforeAnythingConnects() {
    for (String bad :
        List.of(
            "--microBatchSize=0",
            "--gateEvery=0",
            "--onlineAlpha=0.7",
            "--maxNeRegression=-1",
            "--calibrationWindow=10")) {
      String name = bad.substring(0, bad.indexOf('='));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> LearnJob.start(LearnJob.parse("--bootstrapServers=127.0.0.1:1", bad), QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(name);
    }
  }

  /**
   * No online gate: with it, the learner would hold newer candidates while the first is judged
   * online, and these tests route no traffic to it.
   */
  private static final String NO_PROMOTER = "--promote=false";

  /** Small online samples, and a learner that never reaches a gate, so the challenger is ours. */
  private static final String[] PROMOTER_ARGS = {
    "--minOnlineExamples=100", "--minOnlinePositives=3", "--gateEvery=100000"
  };

  private static String registerCopyOfProduction(ModelRegistry r) throws Exception {
    try (LoadedModel m = r.load(production, spec.fingerprint())) {
      return r.register(
          Candidate.of(m.classifier(), m.manifest().dataRange()).withParent(production));
    }
  }

  /** A score that knows the label: around {@code positive} for positives, {@code negative} else. */
  private static float guess(Random noise, Example e, float positive, float negative) {
    float center = e.label() > 0.5f ? positive : negative;
    return (float) Math.min(0.999, Math.max(0.001, center * Math.exp(0.3 * noise.nextGaussian())));
  }

  private static Map<String, Float> ordered(String v1, float s1, String v2, float s2) {
    Map<String, Float> m = new java.util.LinkedHashMap<>();
    m.put(v1, s1);
    m.put(v2, s2);
    return m;
  }

  private static JsonNode first(List<JsonNode> events, String type) {
    return events.stream()
        .filter(e -> e.get("type").asText().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @Test
  public void aBrokenCandidateFailsTheOfflineGateAndIsNotRegistered() throws Exception {
    Path registry = copyOfProductionRegistry();
    Topics topics = Topics.fresh();
    produce(topics, later, Long.MIN_VALUE, Long.MAX_VALUE);
    List<JsonNode> events = new ArrayList<>();
    // A learning rate 10,000 times production's wrecks the weights within one micro-batch.
    PipelineResult learning = start(topics, registry, "group-broken", 10.0);
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.models))) {
      assertThat(
              tail.pollUntil(
                  () ->
                      running(learning)
                          && count(events, ModelEvent.Type.CANDIDATE_REJECTED.json()) >= 2,
                  WAIT,
                  r -> events.add(read(r.value()))))
          .as("rejections: %s", events)
          .isTrue();
    } finally {
      learning.cancel();
    }
    assertThat(count(events, ModelEvent.Type.CANDIDATE.json())).isZero();
    // Each rejection says why: the gate's failed thresholds with the smoke-test evidence, or a
    // copy so wrecked it could not train further (it then starts again from production).
    List<JsonNode> rejections =
        events.stream()
            .filter(e -> e.get("type").asText().equals(ModelEvent.Type.CANDIDATE_REJECTED.json()))
            .toList();
    assertThat(rejections)
        .allSatisfy(
            e -> assertThat(e.get("reason").asText()).containsAnyOf("NE ", "training failed"));
    JsonNode gated = rejections.stream().filter(e -> e.has("smoke_test")).findFirst().orElseThrow();
    assertThat(gated.get("reason").asText()).contains("worse than production's");
    assertThat(gated.get("smoke_test").get("candidate_ne").asDouble())
        .isGreaterThan(gated.get("smoke_test").get("production_ne").asDouble() * 1.05);
    ModelRegistry r = ModelRegistry.at(registry.toString());
    assertThat(learnerCandidates(r)).isEmpty();
    assertThat(r.production()).contains(production);
  }

  /** Starts learn; {@code learnRate} 0 keeps production's. */
  private PipelineResult start(
      Topics topics, Path registry, String group, double learnRate, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--predictionsTopic=" + topics.predictions,
                "--outcomesTopic=" + topics.outcomes,
                "--modelEventsTopic=" + topics.models,
                "--deadLettersTopic=" + topics.dead,
                "--startOffset=EARLIEST",
                "--consumerGroup=" + group,
                "--registry=" + registry,
                "--microBatchSize=200",
                "--gateEvery=2",
                "--maxBatchWaitSeconds=2"));
    if (learnRate > 0) {
      args.add("--learnRate=" + learnRate);
    }
    for (String option : more) {
      String name = option.substring(0, option.indexOf('=') + 1);
      args.removeIf(given -> given.startsWith(name));
      args.add(option);
    }
    return LearnJob.start(LearnJob.parse(args.toArray(new String[0])), QUIET);
  }

  /** Predictions for {@code examples} and the outcomes known in {@code (from, to]}. */
  private static void produce(Topics topics, List<Example> examples, long from, long to) {
    produce(topics, examples, from, to, e -> Map.of(production, 0.1f));
  }

  /** As above, with each example scored by the versions and scores {@code scoring} gives. */
  private static void produce(
      Topics topics,
      List<Example> examples,
      long from,
      long to,
      java.util.function.Function<Example, Map<String, Float>> scoring) {
    String spec16 = spec.fingerprint().substring(0, 16);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (Example e : examples) {
        Map<String, Float> scores = scoring.apply(e);
        String decidedBy = scores.keySet().iterator().next();
        Prediction p =
            new Prediction(
                e.id(),
                e.eventTimeMillis(),
                scores.get(decidedBy),
                false,
                decidedBy,
                "production",
                spec16,
                e.features(),
                e.eventTimeMillis(),
                scores);
        producer.send(
            new ProducerRecord<>(
                topics.predictions, null, e.eventTimeMillis(), e.id(), p.toJson()));
      }
      for (JsonNode o : outcomes) {
        long t = Instant.parse(o.get("outcome_time").asText()).toEpochMilli();
        if (t > from && t <= to) {
          producer.send(
              new ProducerRecord<>(
                  topics.outcomes, null, t, o.get("event_id").asText(), o.toString()));
        }
      }
    }
  }

  private static List<ModelVersion> learnerCandidates(ModelRegistry r) throws Exception {
    return r.list().stream()
        .filter(v -> v.manifest().metrics().containsKey(CandidateLearner.EXAMPLES_METRIC))
        .toList();
  }

  private static Path copyOfProductionRegistry() throws Exception {
    return copyOf(productionRegistry);
  }

  private static Path copyOf(Path registry) throws Exception {
    Path copy = TMP.newFolder("registry-" + RUNS.incrementAndGet()).toPath();
    try (Stream<Path> files = Files.walk(registry)) {
      for (Path f : files.toList()) {
        Path target = copy.resolve(registry.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return copy;
  }

  /** True while running; a failed pipeline throws its error here instead of timing out. */
  private static boolean running(PipelineResult result) {
    if (result.getState().isTerminal()) {
      result.waitUntilFinish();
      throw new AssertionError("learn stopped: " + result.getState());
    }
    return true;
  }

  private static long count(List<JsonNode> events, String type) {
    return events.stream().filter(e -> e.get("type").asText().equals(type)).count();
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("freshet", name))
                    .build())
            .getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private record Topics(String predictions, String outcomes, String models, String dead) {
    static Topics fresh() {
      String p = "l" + RUNS.incrementAndGet() + "-";
      Topics t = new Topics(p + "predictions", p + "outcomes", p + "models", p + "dead");
      KafkaTopics.create(
          kafka.bootstrapServers(), 2, List.of(t.predictions, t.outcomes, t.models, t.dead));
      return t;
    }

    /** The same predictions and outcomes, with model events and dead letters to new topics. */
    Topics withFreshModelEvents() {
      String p = "l" + RUNS.incrementAndGet() + "-";
      Topics t = new Topics(predictions, outcomes, p + "models", p + "dead");
      KafkaTopics.create(kafka.bootstrapServers(), 2, List.of(t.models, t.dead));
      return t;
    }
  }
}
