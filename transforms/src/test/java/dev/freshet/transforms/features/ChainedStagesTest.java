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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * The chained stages ({@link ExtractFeatures.Stages#CHAINED}) give bit-identical vectors to the
 * fan-out stages on one seeded stream in event-time order, with ties and events without a rider
 * (which pass through the rider stage), on both runners; outcome-derived features on the direct
 * runner, which delivers each scripted step before the next.
 */
@RunWith(Parameterized.class)
public class ChainedStagesTest {
  @Parameterized.Parameters(name = "{0}")
  public static Iterable<Object[]> runners() {
    return Runners.both();
  }

  private final String runner;

  public ChainedStagesTest(String runner) {
    this.runner = runner;
  }

  /**
   * 400 payments over 4 hours on 12 cards and 6 riders (none for a sixth), outcomes for a third.
   */
  private static List<Row> events() {
    Random random = new Random(5);
    List<Row> events = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      double minute = random.nextInt(240 * 4) / 4.0;
      String rider = random.nextInt(6) == 0 ? null : "rider" + random.nextInt(6);
      events.add(
          payment(
              "p" + i,
              minute,
              "card" + random.nextInt(12),
              rider,
              "city" + random.nextInt(3),
              Math.round(random.nextDouble() * 10_000) / 100.0));
    }
    return events;
  }

  private static List<Row> outcomes(List<Row> events) {
    Random random = new Random(13);
    List<Row> outcomes = new ArrayList<>();
    for (Row e : events) {
      if (random.nextInt(3) == 0) {
        double minute =
            (e.getDateTime("event_time").getMillis() - Payments.T0.getMillis()) / 60_000.0
                + 1
                + random.nextInt(40);
        outcomes.add(outcome(e.getString("event_id"), minute, random.nextBoolean()));
      }
    }
    return outcomes;
  }

  @Test
  public void chainedAndFanOutVectorsAreBitIdentical() {
    boolean withLabels = Runners.DIRECT.equals(runner);
    FeatureSpec spec = withLabels ? Payments.SPEC : Payments.EVENT_ONLY_SPEC;
    List<Row> events = events();
    List<Row> outcomes = outcomes(events);

    for (ExtractFeatures.Stages stages : ExtractFeatures.Stages.values()) {
      Pipeline p = Pipeline.create(Runners.options(runner));
      PCollectionTuple split =
          Streams.split(
              p.apply(Streams.inTimeOrder(Payments.EVENTS, Payments.OUTCOMES, events, outcomes)));
      PCollection<Row> rows = split.get(Streams.EVENTS);
      ExtractFeatures extract = ExtractFeatures.of(spec).withStages(stages);
      if (withLabels) {
        extract =
            extract.withLabels(
                rows.apply("Labels", JoinLabels.events(spec, split.get(Streams.OUTCOMES)))
                    .labeled());
      }
      Collect.into(rows.apply("Features", extract), stages + "-" + runner);
      p.run().waitUntilFinish();
    }

    Map<String, float[]> fanOut = Collect.byId(ExtractFeatures.Stages.FAN_OUT + "-" + runner);
    Map<String, float[]> chained = Collect.byId(ExtractFeatures.Stages.CHAINED + "-" + runner);
    assertThat(fanOut).hasSize(events.size());
    assertThat(chained.keySet()).isEqualTo(fanOut.keySet());
    int withoutRider = 0;
    int labelsRead = 0;
    for (Row e : events) {
      String id = e.getString("event_id");
      assertThat(chained.get(id)).as("vector of %s", id).containsExactly(fanOut.get(id));
      if (e.getString("rider_id") == null) {
        withoutRider++;
      }
      if (withLabels && fanOut.get(id)[spec.indexOf("card_frauds_1d")] > 0) {
        labelsRead++;
      }
    }
    // The comparison covers events that pass through a stage and, with labels, labels in use.
    assertThat(withoutRider).isGreaterThan(30);
    if (withLabels) {
      assertThat(labelsRead).isGreaterThan(30);
    }
  }
}
