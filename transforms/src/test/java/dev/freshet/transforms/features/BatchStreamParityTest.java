package dev.freshet.transforms.features;

import static dev.freshet.transforms.testing.Payments.outcome;
import static dev.freshet.transforms.testing.Payments.payment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.testing.Collect;
import dev.freshet.transforms.testing.Payments;
import dev.freshet.transforms.testing.Runners;
import dev.freshet.transforms.testing.Streams;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * One seeded event log through ExtractFeatures as a bounded collection (shuffled) and as a
 * TestStream in event-time order gives bit-identical vectors, on both runners. Outcome-derived
 * features are compared on the direct runner, which delivers each scripted step before the next (on
 * Flink, labels and events reach a key on different channels).
 */
@RunWith(Parameterized.class)
public class BatchStreamParityTest {
  @Parameterized.Parameters(name = "{0}")
  public static Iterable<Object[]> runners() {
    return Runners.both();
  }

  private final String runner;

  public BatchStreamParityTest(String runner) {
    this.runner = runner;
  }

  /** 600 payments over 6 hours on 15 cards and 8 riders, with ties; outcomes for a third. */
  private static List<Row> events() {
    Random random = new Random(7);
    List<Row> events = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      double minute = random.nextInt(360 * 4) / 4.0; // quarter minutes: many equal timestamps
      String city = random.nextInt(5) == 0 ? null : "city" + random.nextInt(4);
      Double amount =
          random.nextInt(10) == 0 ? null : Math.round(random.nextDouble() * 10_000) / 100.0;
      events.add(
          payment(
              "p" + i,
              minute,
              "card" + random.nextInt(15),
              "rider" + random.nextInt(8),
              city,
              amount));
    }
    return events;
  }

  private static List<Row> outcomes(List<Row> events) {
    Random random = new Random(11);
    List<Row> outcomes = new ArrayList<>();
    for (Row e : events) {
      if (random.nextInt(3) == 0) {
        double minute =
            (e.getDateTime("event_time").getMillis() - Payments.T0.getMillis()) / 60_000.0
                + 1
                + random.nextInt(50);
        outcomes.add(outcome(e.getString("event_id"), minute, random.nextBoolean()));
      }
    }
    return outcomes;
  }

  @Test
  public void boundedAndStreamingVectorsAreBitIdentical() {
    boolean withLabels = Runners.DIRECT.equals(runner);
    FeatureSpec spec = withLabels ? Payments.SPEC : Payments.EVENT_ONLY_SPEC;
    List<Row> events = events();
    List<Row> outcomes = outcomes(events);

    Pipeline bounded = Pipeline.create(Runners.options(runner));
    List<TimestampedValue<Row>> shuffled = new ArrayList<>();
    events.forEach(
        e -> shuffled.add(TimestampedValue.of(e, e.getDateTime("event_time").toInstant())));
    Collections.shuffle(shuffled, new Random(3));
    PCollection<Row> boundedEvents =
        bounded.apply(
            "Events",
            Create.timestamped(shuffled).withCoder(SchemaCoder.of(Payments.EVENTS.beamSchema())));
    PCollection<Row> boundedOutcomes =
        bounded.apply(
            "Outcomes",
            Create.of(outcomes).withCoder(SchemaCoder.of(Payments.OUTCOMES.beamSchema())));
    Collect.into(features(spec, boundedEvents, boundedOutcomes, withLabels), "bounded-" + runner);
    bounded.run().waitUntilFinish();

    Pipeline streaming = Pipeline.create(Runners.options(runner));
    PCollectionTuple split =
        Streams.split(
            streaming.apply(
                Streams.inTimeOrder(Payments.EVENTS, Payments.OUTCOMES, events, outcomes)));
    Collect.into(
        features(spec, split.get(Streams.EVENTS), split.get(Streams.OUTCOMES), withLabels),
        "streaming-" + runner);
    streaming.run().waitUntilFinish();

    Map<String, float[]> batch = Collect.byId("bounded-" + runner);
    Map<String, float[]> stream = Collect.byId("streaming-" + runner);
    assertThat(batch).hasSize(events.size());
    assertThat(stream.keySet()).isEqualTo(batch.keySet());
    int nonZeroOutcomeFeatures = 0;
    int latestLabelsRead = 0;
    for (String id : batch.keySet()) {
      assertThat(stream.get(id)).as("vector of %s", id).containsExactly(batch.get(id));
      if (withLabels && batch.get(id)[spec.indexOf("card_frauds_1d")] > 0) {
        nonZeroOutcomeFeatures++;
      }
      if (withLabels && batch.get(id)[spec.indexOf("rider_frauds_last5_2h")] > 0) {
        latestLabelsRead++;
      }
    }
    if (withLabels) {
      // The comparison must cover labels that were actually used.
      assertThat(nonZeroOutcomeFeatures).isGreaterThan(50);
      assertThat(latestLabelsRead).isGreaterThan(50);
    }
  }

  private static PCollection<FeaturedEvent> features(
      FeatureSpec spec, PCollection<Row> events, PCollection<Row> outcomes, boolean withLabels) {
    ExtractFeatures extract = ExtractFeatures.of(spec);
    if (withLabels) {
      extract =
          extract.withLabels(events.apply("Labels", JoinLabels.events(spec, outcomes)).labeled());
    }
    return events.apply("Features", extract);
  }
}
