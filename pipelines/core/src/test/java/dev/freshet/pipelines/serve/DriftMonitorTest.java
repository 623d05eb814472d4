package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.examples.Example;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.transforms.drift.DriftReference;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.features.FeatureVectorCoder;
import dev.freshet.transforms.features.StableHash;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The drift monitor in serve, end to end on a real broker and the direct runner: a model trained
 * (with its drift reference) on payments, then a stream whose first two 10-minute windows come from
 * the training distribution and whose next two have every amount tripled. The stationary windows
 * are judged and stay quiet; each shifted window raises one {@code drift} event, naming {@code
 * amount} and no other feature. Options are checked and the monitor can be switched off.
 */
public class DriftMonitorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");
  private static final Duration WINDOW = Duration.ofMinutes(10);
  private static final int PER_WINDOW = 200;
  private static final List<String> CITIES =
      List.of("lisbon", "porto", "madrid", "paris", "berlin", "rome");
  private static final String SPEC =
      """
      name: drift-test
      events:
        name: payments
        id: event_id
        time: event_time
        fields: {card_id: string, city: string, amount: double, distance: double}
      keys: {card: card_id}
      features:
        - {name: amount, agg: value, field: amount}
        - {name: distance, agg: value, field: distance}
        - {name: city, agg: category, field: city, buckets: 16}
      """;

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static EmbeddedKafka kafka;
  private static Path specFile;
  private static FeatureSpec spec;

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    specFile = TMP.newFile("drift-test.yaml").toPath();
    Files.writeString(specFile, SPEC);
    spec = FeatureSpecs.load(specFile.toString());
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  /** A payment of the training distribution; {@code amountFactor} shifts the amount. */
  private static ObjectNode payment(Random r, int i, Instant time, double amountFactor) {
    return JSON.createObjectNode()
        .put("event_id", "pay-" + i)
        .put("event_time", time.toString())
        .put("card_id", "card-" + r.nextInt(200))
        .put("city", CITIES.get(r.nextInt(CITIES.size())))
        .put("amount", amountFactor * Math.exp(3 + 0.5 * r.nextGaussian()))
        .put("distance", Math.exp(1 + 0.6 * r.nextGaussian()));
  }

  /** The vector ExtractFeatures computes for a payment of this spec (its own fields only). */
  private static float[] vector(JsonNode payment) {
    return new float[] {
      (float) payment.get("amount").asDouble(),
      (float) payment.get("distance").asDouble(),
      StableHash.bucket(payment.get("city").asText(), 16)
    };
  }

  /** Trains and registers a small model on 2,000 payments; train stores its drift reference. */
  private static String trainModel(String registry) throws Exception {
    Random r = new Random(1);
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ObjectNode p = payment(r, i, T0.minus(Duration.ofDays(1)).plusSeconds(i), 1);
      float label = p.get("amount").asDouble() > 35 && r.nextDouble() < 0.5 ? 1f : 0f;
      long time = T0.toEpochMilli() - 86_400_000L + i;
      examples.add(new Example("train-" + i, time, time, label, vector(p)));
    }
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(
                "--registry=" + registry, "--hiddenLayers=8", "--epochs=2", "--batchSize=64")
            .as(TrainOptions.class);
    return TrainAndRegister.fit(options, spec, examples, QUIET).versionId();
  }

  @Test(timeout = 240_000)
  public void aShiftedFeatureRaisesDriftEventsAndAStationaryStreamStaysQuiet() throws Exception {
    String registry = TMP.newFolder("registry").toString();
    String version = trainModel(registry);
    assertThat(ModelRegistry.at(registry).production()).contains(version);
    DriftReference reference =
        ModelRegistry.at(registry).describe(version).manifest().drift().orElseThrow();
    System.out.println("reference of amount: " + reference.features().get(0));

    String events = "drift-events";
    String models = "drift-models";
    KafkaTopics.create(
        kafka.bootstrapServers(), 2, List.of(events, "drift-predictions", "drift-dead", models));
    // Windows 0 and 1: the training distribution (another seed); windows 2 and 3: amounts x3.
    List<ProducerRecord<String, String>> records = new ArrayList<>();
    Random r = new Random(2);
    int n = 0;
    for (int w = 0; w < 4; w++) {
      for (int k = 0; k < PER_WINDOW; k++, n++) {
        Instant time = T0.plus(WINDOW.multipliedBy(w)).plusSeconds(3L * k);
        records.add(record(events, payment(r, n, time, w < 2 ? 1 : 3), time));
      }
    }
    // Later events on every card (so on both partitions) move the watermark past window 3.
    for (int k = 0; k < 30; k++, n++) {
      Instant time = T0.plus(Duration.ofHours(2)).plusSeconds(k);
      records.add(record(events, payment(r, n, time, 1), time));
    }
    send(records);

    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--spec=" + specFile,
                "--registry=" + registry,
                "--eventsTopic=" + events,
                "--predictionsTopic=drift-predictions",
                "--deadLettersTopic=drift-dead",
                "--modelEventsTopic=" + models,
                "--startOffset=EARLIEST",
                "--driftWindow=10m",
                "--driftMinExamples=100"),
            QUIET);
    List<JsonNode> drift = new ArrayList<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(models))) {
      boolean done =
          tail.pollUntil(
              () -> counter(serving, "drift_windows") >= 4,
              Duration.ofSeconds(180),
              rec -> collectDrift(rec.value(), drift));
      assertThat(done).as("all four windows judged").isTrue();
      // Events of the last judged window may still be in flight: wait for as many as the job
      // counted (on a busy machine a fixed few seconds were not always enough).
      assertThat(
              tail.pollUntil(
                  () -> drift.size() >= counter(serving, "drift_events"),
                  Duration.ofSeconds(180),
                  rec -> collectDrift(rec.value(), drift)))
          .as("every drift event the job counted reached the topic: %s", drift)
          .isTrue();

      assertThat(counter(serving, "drift_windows")).isEqualTo(4);
      assertThat(counter(serving, "drift_events")).isEqualTo(2);
      assertThat(gauge(serving, "drift_psi_milli_amount")).isGreaterThanOrEqualTo(200);
      assertThat(gauge(serving, "drift_psi_milli_distance")).isLessThan(200);
    } finally {
      serving.cancel();
    }

    drift.forEach(e -> System.out.println("drift event: " + e));
    // Quiet on the stationary windows; one event per shifted window, naming only amount.
    Set<String> windows = new TreeSet<>();
    for (JsonNode e : drift) {
      assertThat(e.get("feature").asText()).isEqualTo("amount");
      assertThat(e.get("version").asText()).isEqualTo(version);
      assertThat(e.get("source").asText()).isEqualTo("serve");
      assertThat(e.get("psi").asDouble()).isGreaterThan(1.0);
      assertThat(e.get("ks").asDouble()).isGreaterThan(0.5);
      assertThat(e.get("threshold").asDouble()).isEqualTo(0.2);
      assertThat(e.get("examples").asLong()).isEqualTo(PER_WINDOW);
      assertThat(e.get("reference_examples").asLong()).isEqualTo(1600);
      Instant start = Instant.parse(e.get("window_start").asText());
      assertThat(Instant.parse(e.get("window_end").asText())).isEqualTo(start.plus(WINDOW));
      windows.add(e.get("window_start").asText());
    }
    assertThat(windows)
        .containsExactly(
            T0.plus(WINDOW.multipliedBy(2)).toString(), T0.plus(WINDOW.multipliedBy(3)).toString());
    assertThat(drift).hasSize(2);
  }

  /**
   * A planted trending column: {@code distance} grows past everything the model was trained on,
   * window after window, while {@code amount} stays put. Each trending window raises an event for
   * distance alone that says how many values left the training range and how far they went.
   */
  @Test(timeout = 240_000)
  public void aFeatureTrendingOutOfItsTrainingRangeIsNamedWithHowFarItWent() throws Exception {
    String registry = TMP.newFolder("trend-registry").toString();
    String version = trainModel(registry);
    double max =
        ModelRegistry.at(registry)
            .describe(version)
            .manifest()
            .drift()
            .orElseThrow()
            .features()
            .get(1)
            .max();
    Random r = new Random(3);
    List<TimestampedValue<KV<String, float[]>>> scored = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      for (int k = 0; k < PER_WINDOW; k++) {
        Instant time = T0.plus(WINDOW.multipliedBy(w)).plusSeconds(3L * k);
        float[] v = vector(payment(r, k, time, 1));
        v[1] += (float) (w * max);
        scored.add(
            TimestampedValue.of(
                KV.of(version, v), org.joda.time.Instant.ofEpochMilli(time.toEpochMilli())));
      }
    }
    Pipeline p = Pipeline.create();
    PCollection<KV<String, String>> events =
        p.apply(
                Create.timestamped(scored)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), FeatureVectorCoder.of())))
            .apply(
                new DriftMonitor(
                    registry, org.joda.time.Duration.millis(WINDOW.toMillis()), 0.2, 0.05, 100));
    PAssert.that(events)
        .satisfies(
            all -> {
              List<JsonNode> drift = new ArrayList<>();
              all.forEach(kv -> collectDrift(kv.getValue(), drift));
              drift.forEach(e -> System.out.println("drift event: " + e));
              assertThat(drift).hasSize(2);
              drift.sort(java.util.Comparator.comparing(e -> e.get("window_start").asText()));
              for (int i = 0; i < 2; i++) {
                JsonNode e = drift.get(i);
                JsonNode range = e.get("out_of_range");
                assertThat(e.get("feature").asText()).isEqualTo("distance");
                assertThat(e.get("window_start").asText())
                    .isEqualTo(T0.plus(WINDOW.multipliedBy(i + 1)).toString());
                assertThat(range.get("max").asDouble()).isEqualTo(max);
                assertThat(range.get("below").asLong()).isZero();
                assertThat(range.get("above").asLong()).isGreaterThan(PER_WINDOW * 9 / 10);
                assertThat(range.get("highest").asDouble()).isGreaterThan((i + 1) * max);
                assertThat(e.get("reason").asText())
                    .contains("outside the range the model was trained on")
                    .contains("above the training range")
                    .contains("range widths past it");
              }
              assertThat(drift.get(1).get("out_of_range").get("overshoot").asDouble())
                  .isGreaterThan(
                      drift.get(0).get("out_of_range").get("overshoot").asDouble() + 0.5);
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  public void badDriftOptionsFailNamingTheOption() {
    assertThatThrownBy(() -> validate("--driftWindow=soon"))
        .hasMessageContaining("--driftWindow")
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> validate("--driftThreshold=0"))
        .hasMessageContaining("--driftThreshold");
    assertThatThrownBy(() -> validate("--driftThreshold=-0.1"))
        .hasMessageContaining("--driftThreshold");
    assertThatThrownBy(() -> validate("--driftRangeThreshold=0"))
        .hasMessageContaining("--driftRangeThreshold");
    assertThatThrownBy(() -> validate("--driftRangeThreshold=1.5"))
        .hasMessageContaining("--driftRangeThreshold");
    assertThatThrownBy(() -> validate("--driftMinExamples=0"))
        .hasMessageContaining("--driftMinExamples");
    // serve checks them before it looks for Kafka (none answers at 127.0.0.1:1).
    assertThatThrownBy(
            () ->
                ServeJob.start(
                    ServeJob.parse("--bootstrapServers=127.0.0.1:1", "--driftWindow=-5m"), QUIET))
        .hasMessageContaining("--driftWindow");
  }

  @Test
  public void aZeroWindowSwitchesTheMonitorOff() {
    assertThat(stepNames()).contains("DriftMonitor", "WriteDriftEvents");
    assertThat(stepNames("--driftWindow=0")).doesNotContain("DriftMonitor", "WriteDriftEvents");
    assertThat(stepNames("--driftWindow=0m")).doesNotContain("DriftMonitor");
  }

  private static void validate(String arg) {
    ServePipeline.validate(ServeJob.parse("--bootstrapServers=127.0.0.1:1", arg));
  }

  /** The names of the top-level steps serve builds (without running it) with {@code args}. */
  private static Set<String> stepNames(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--bootstrapServers=127.0.0.1:1");
    all.add("--spec=" + specFile);
    ServeOptions options = ServeJob.parse(all.toArray(new String[0]));
    Pipeline p = Pipeline.create(options);
    ServePipeline.build(p, options, spec);
    Set<String> names = new TreeSet<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode()) {
              names.add(node.getFullName());
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }
        });
    return names;
  }

  private static void collectDrift(String json, List<JsonNode> drift) {
    try {
      JsonNode e = JSON.readTree(json);
      if (e.get("type").asText().equals(ModelEvent.Type.DRIFT.json())) {
        drift.add(e);
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c : query(result, name).getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  private static long gauge(PipelineResult result, String name) {
    long value = Long.MIN_VALUE;
    for (var g : query(result, name).getGauges()) {
      value = Math.max(value, g.getAttempted().getValue());
    }
    return value;
  }

  private static MetricQueryResults query(PipelineResult result, String name) {
    return result
        .metrics()
        .queryMetrics(
            MetricsFilter.builder().addNameFilter(MetricNameFilter.named("freshet", name)).build());
  }

  private static ProducerRecord<String, String> record(String topic, JsonNode e, Instant time) {
    return new ProducerRecord<>(
        topic, null, time.toEpochMilli(), e.get("card_id").asText(), e.toString());
  }

  private static void send(List<ProducerRecord<String, String>> records) {
    try (KafkaProducer<String, String> producer = kafka.producer()) {
      records.forEach(producer::send);
    }
  }
}
