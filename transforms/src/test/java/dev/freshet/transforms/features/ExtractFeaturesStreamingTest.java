package dev.freshet.transforms.features;

import static dev.freshet.transforms.testing.Payments.SPEC;
import static dev.freshet.transforms.testing.Payments.at;
import static dev.freshet.transforms.testing.Payments.outcome;
import static dev.freshet.transforms.testing.Payments.payment;
import static dev.freshet.transforms.testing.Streams.timedEvent;
import static dev.freshet.transforms.testing.Streams.timedOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.testing.Payments;
import dev.freshet.transforms.testing.Runners;
import dev.freshet.transforms.testing.Streams;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * The streaming path, scripted in event time, on the direct runner and on embedded Flink: on-time,
 * out-of-order, late and duplicate events, window expiry, and outcome features without leakage.
 */
@RunWith(Parameterized.class)
public class ExtractFeaturesStreamingTest {
  @Parameterized.Parameters(name = "{0}")
  public static Iterable<Object[]> runners() {
    return Runners.both();
  }

  private final String runner;

  @Rule public final transient TestPipeline p;

  public ExtractFeaturesStreamingTest(String runner) {
    this.runner = runner;
    this.p = Runners.pipeline(runner);
  }

  private static float f(Map<String, List<float[]>> byId, String id, String feature) {
    assertThat(byId).as("features of " + id).containsKey(id);
    return byId.get(id).get(0)[SPEC.indexOf(feature)];
  }

  @Test
  public void onTimeOutOfOrderLateAndDuplicateEvents() {
    TestStream<Row> stream =
        TestStream.create(Streams.unionCoder())
            .addElements(
                timedEvent(payment("e1", 0, "c1", "r1", "A", 10.0)),
                timedEvent(payment("e2", 5, "c1", "r1", "B", 20.0)),
                timedEvent(payment("e3", 9, "c1", "r2", "A", 30.0)))
            .advanceWatermarkTo(at(9))
            .addElements(timedEvent(payment("e4", 20, "c1", "r1", "C", 40.0)))
            .advanceWatermarkTo(at(20))
            // Out of order but within the allowed lateness (10 minutes behind the newest event).
            .addElements(timedEvent(payment("late", 15, "c1", "r1", "A", 7.0)))
            .addElements(timedEvent(payment("e5", 90, "c1", "r1", "A", 50.0)))
            .advanceWatermarkTo(at(90))
            // A duplicate delivery of e5, then an event beyond the allowed lateness.
            .addElements(timedEvent(payment("e5", 90, "c1", "r1", "A", 50.0)))
            .addElements(timedEvent(payment("very-late", 25, "c1", "r1", "A", 1.0)))
            .addElements(timedEvent(payment("e6", 95, "c1", "r1", "A", 1.0)))
            .advanceWatermarkToInfinity();

    PCollection<FeaturedEvent> out =
        Streams.split(p.apply(stream))
            .get(Streams.EVENTS)
            .apply(ExtractFeatures.of(Payments.EVENT_ONLY_SPEC));

    PAssert.that(out)
        .satisfies(
            Streams.byId(
                byId -> {
                  FeatureSpec s = Payments.EVENT_ONLY_SPEC;
                  java.util.function.BiFunction<String, String, Float> g =
                      (id, name) -> byId.get(id).get(0)[s.indexOf(name)];
                  assertThat(byId).hasSize(8);
                  assertThat(g.apply("e1", "card_count_10m")).isZero();
                  assertThat(g.apply("e2", "card_count_10m")).isEqualTo(1);
                  assertThat(g.apply("e3", "card_count_10m")).isEqualTo(2);
                  assertThat(g.apply("e3", "card_sum_1h")).isEqualTo(30);
                  assertThat(g.apply("e4", "card_count_10m")).isZero();
                  assertThat(g.apply("e4", "card_sum_1h")).isEqualTo(60);
                  // The late event sees e2, e3 in [5, 15) and never e4 (minute 20, its future).
                  assertThat(g.apply("late", "card_count_10m")).isEqualTo(2);
                  assertThat(g.apply("late", "card_sum_1h")).isEqualTo(60);
                  assertThat(g.apply("e5", "card_count_10m")).isZero();
                  // Duplicates get one identical vector each and count once for e6.
                  assertThat(byId.get("e5")).hasSize(2);
                  assertThat(byId.get("e5").get(1)).containsExactly(byId.get("e5").get(0));
                  assertThat(g.apply("e6", "card_count_10m")).isEqualTo(1);
                  assertThat(g.apply("e6", "card_sum_1h")).isEqualTo(50);
                  // Beyond the allowed lateness, entries older than 90 - 70 minutes are gone:
                  // of the 1-hour window [-35, 25) only e4 (minute 20) is left.
                  assertThat(g.apply("very-late", "card_sum_1h")).isEqualTo(40);
                  // Rider and global keys are computed by their own stages.
                  assertThat(g.apply("e3", "rider_count_1h")).isZero();
                  assertThat(g.apply("e4", "rider_count_1h")).isEqualTo(2);
                  assertThat(g.apply("e3", "all_count_10m")).isEqualTo(2);
                  assertThat(g.apply("e4", "amount")).isEqualTo(40);
                  return null;
                }));
    p.run().waitUntilFinish();
  }

  @Test
  public void idleKeysExpireAndRestartEmpty() {
    TestStream<Row> stream =
        TestStream.create(Streams.unionCoder())
            .addElements(timedEvent(payment("a", 0, "c9", null, null, 5.0)))
            .advanceWatermarkTo(at(200))
            .addElements(timedEvent(payment("b", 200, "c9", null, null, 5.0)))
            .addElements(timedEvent(payment("c", 201, "c9", null, null, 5.0)))
            .advanceWatermarkToInfinity();
    PCollection<FeaturedEvent> out =
        Streams.split(p.apply(stream))
            .get(Streams.EVENTS)
            .apply(ExtractFeatures.of(Payments.EVENT_ONLY_SPEC));
    PAssert.that(out)
        .satisfies(
            Streams.byId(
                byId -> {
                  FeatureSpec s = Payments.EVENT_ONLY_SPEC;
                  assertThat(byId.get("b").get(0)[s.indexOf("card_count_10m")]).isZero();
                  assertThat(byId.get("c").get(0)[s.indexOf("card_sum_1h")]).isEqualTo(5);
                  return null;
                }));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("freshet", "feature_keys_expired"))
                    .build());
    long expired = 0;
    for (var c : metrics.getCounters()) {
      expired += c.getAttempted();
    }
    // Card c9 went idle for longer than its window plus lateness: its history was dropped.
    assertThat(expired).isGreaterThanOrEqualTo(1);
  }

  @Test
  public void outcomeFeaturesNeverSeeTheFuture() {
    TestStream<Row> stream =
        TestStream.create(Streams.unionCoder())
            .addElements(timedEvent(payment("a", 0, "c3", null, null, 1.0)))
            .advanceWatermarkTo(at(1))
            .addElements(timedEvent(payment("b", 20, "c3", null, null, 1.0)))
            .advanceWatermarkTo(at(20))
            .addElements(timedOutcome(outcome("a", 30, true)))
            .advanceWatermarkTo(at(30))
            .addElements(timedEvent(payment("c", 40, "c3", null, null, 1.0)))
            .advanceWatermarkToInfinity();
    PCollectionTuple split = Streams.split(p.apply(stream));
    PCollection<Row> events = split.get(Streams.EVENTS);
    JoinLabels.Result<Row> labels =
        events.apply("Labels", JoinLabels.events(SPEC, split.get(Streams.OUTCOMES)));
    PCollection<FeaturedEvent> out =
        events.apply("Features", ExtractFeatures.of(SPEC).withLabels(labels.labeled()));
    boolean orderedRunner = Runners.DIRECT.equals(runner);
    PAssert.that(out)
        .satisfies(
            Streams.byId(
                byId -> {
                  // b at minute 20: the chargeback of a became known at 30, after b.
                  assertThat(f(byId, "b", "card_frauds_1d")).isZero();
                  assertThat(f(byId, "a", "card_frauds_1d")).isZero();
                  if (orderedRunner) {
                    // The direct runner finishes each scripted step before the next, so c sees it.
                    assertThat(f(byId, "c", "card_frauds_1d")).isEqualTo(1);
                    assertThat(f(byId, "c", "card_fraud_rate_1d")).isEqualTo(1);
                  }
                  return null;
                }));
    p.run().waitUntilFinish();
  }

  @Test
  public void boundedInputGivesTheSameFeaturesWithoutLeakage() {
    PCollection<Row> events =
        p.apply(
            "Events",
            org.apache.beam.sdk.transforms.Create.timestamped(
                    List.of(
                        TimestampedValue.of(payment("c", 40, "c3", null, null, 1.0), at(40)),
                        TimestampedValue.of(payment("a", 0, "c3", null, null, 1.0), at(0)),
                        TimestampedValue.of(payment("b", 20, "c3", null, null, 1.0), at(20))))
                .withCoder(SchemaCoder.of(Payments.EVENTS.beamSchema())));
    PCollection<Row> outcomes =
        p.apply(
            "Outcomes",
            org.apache.beam.sdk.transforms.Create.of(outcome("a", 30, true))
                .withCoder(SchemaCoder.of(Payments.OUTCOMES.beamSchema())));
    JoinLabels.Result<Row> labels = events.apply("Labels", JoinLabels.events(SPEC, outcomes));
    PCollection<FeaturedEvent> out =
        events.apply(
            "Features",
            ExtractFeatures.of(SPEC)
                .withLabels(labels.labeled())
                .withAllowedLateness(Duration.ZERO));
    PAssert.that(out)
        .satisfies(
            Streams.byId(
                byId -> {
                  assertThat(f(byId, "a", "card_frauds_1d")).isZero();
                  assertThat(f(byId, "b", "card_frauds_1d")).isZero();
                  assertThat(f(byId, "c", "card_frauds_1d")).isEqualTo(1);
                  assertThat(f(byId, "c", "card_count_10m")).isZero();
                  assertThat(f(byId, "c", "card_since_last_1h")).isEqualTo(1200);
                  return null;
                }));
    p.run().waitUntilFinish();
  }
}
