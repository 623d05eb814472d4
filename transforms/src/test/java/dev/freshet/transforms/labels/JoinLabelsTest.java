package dev.freshet.transforms.labels;

import static dev.freshet.transforms.testing.Payments.SPEC;
import static dev.freshet.transforms.testing.Payments.at;
import static dev.freshet.transforms.testing.Payments.outcome;
import static dev.freshet.transforms.testing.Payments.payment;
import static dev.freshet.transforms.testing.Streams.timedEvent;
import static dev.freshet.transforms.testing.Streams.timedOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.testing.Payments;
import dev.freshet.transforms.testing.Runners;
import dev.freshet.transforms.testing.Streams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * Natural labels with a timeout (label window one hour), scripted in event time on both runners:
 * on-time outcomes, outcome before its event, timeouts, duplicates, outcomes after the timeout and
 * orphans; and the same log as bounded input.
 */
@RunWith(Parameterized.class)
public class JoinLabelsTest {
  @Parameterized.Parameters(name = "{0}")
  public static Iterable<Object[]> runners() {
    return Runners.both();
  }

  @Rule public final transient TestPipeline p;
  private final boolean direct;

  public JoinLabelsTest(String runner) {
    this.p = Runners.pipeline(runner);
    this.direct = Runners.DIRECT.equals(runner);
  }

  /** Events are stamped with their event time, as ParseEvents does. */
  private static TimestampedValue<Row> stamped(Row event) {
    return TimestampedValue.of(event, event.getDateTime("event_time").toInstant());
  }

  private static Row pay(String id, double minute) {
    return payment(id, minute, "c-" + id, null, null, 1.0);
  }

  /** "id:positive:labelMinute:timedOut" strings, for readable assertions. */
  private static SerializableFunction<Iterable<Labeled<Row>>, Void> labels(String... expected) {
    return actual -> {
      List<String> got = new ArrayList<>();
      for (Labeled<Row> l : actual) {
        long minute = (l.labelTimeMillis() - Payments.T0.getMillis()) / 60_000;
        got.add(
            l.value().getString("event_id")
                + ":"
                + l.positive()
                + ":"
                + minute
                + ":"
                + l.timedOut());
      }
      assertThat(got).containsExactlyInAnyOrder(expected);
      return null;
    };
  }

  private static SerializableFunction<Iterable<DeadLetter>, Void> dead(
      Map<DeadLetterReason, Integer> expected) {
    return actual -> {
      Map<DeadLetterReason, Integer> got = new HashMap<>();
      for (DeadLetter d : actual) {
        got.merge(d.reason(), 1, Integer::sum);
        assertThat(d.detail()).isNotBlank();
        assertThat(d.payload()).isNotBlank();
      }
      assertThat(got).isEqualTo(expected);
      return null;
    };
  }

  @Test
  public void streamingLabelsWithTimeouts() {
    TestStream.Builder<Row> script =
        TestStream.create(Streams.unionCoder())
            .addElements(
                timedOutcome(outcome("e", 5, true))) // the outcome arrives before its event
            .addElements(
                timedEvent(pay("a", 0)),
                timedEvent(pay("b", 0)),
                timedEvent(pay("c", 0)),
                timedEvent(pay("d", 0)),
                timedEvent(pay("e", 0)))
            .addElements(timedEvent(pay("b", 0))) // a duplicate event
            .advanceWatermarkTo(at(10))
            .addElements(timedOutcome(outcome("a", 30, true)))
            .advanceWatermarkTo(at(40))
            .addElements(timedOutcome(outcome("a", 40, true))) // duplicate outcome
            .addElements(timedOutcome(outcome("x", 10, true))) // no such event
            .advanceWatermarkTo(at(61)) // b, c, d time out at minute 60
            .addElements(timedOutcome(outcome("c", 90, true))); // after the window, by its own time
    if (direct) {
      // In time by its own clock, but it arrives after the watermark passed d's deadline. Only the
      // direct runner orders this arrival after the timer: on Flink the outcome and event streams
      // reach the join on different channels, so either may come first.
      script = script.addElements(timedOutcome(outcome("d", 50, true)));
    }
    TestStream<Row> stream = script.advanceWatermarkToInfinity();
    PCollectionTuple split = Streams.split(p.apply(stream));
    JoinLabels.Result<Row> result =
        split.get(Streams.EVENTS).apply(JoinLabels.events(SPEC, split.get(Streams.OUTCOMES)));

    PAssert.that(result.labeled())
        .satisfies(
            labels(
                "a:true:30:false",
                "e:true:5:false",
                "b:false:60:true",
                "c:false:60:true",
                "d:false:60:true"));
    PAssert.that(result.deadLetters())
        .satisfies(
            dead(
                Map.of(
                    DeadLetterReason.DUPLICATE_EVENT, 1,
                    DeadLetterReason.DUPLICATE_OUTCOME, 1,
                    DeadLetterReason.ORPHAN_OUTCOME, 1,
                    DeadLetterReason.OUTCOME_AFTER_TIMEOUT, direct ? 2 : 1)));
    p.run().waitUntilFinish();
  }

  @Test
  public void boundedLogGivesTheSameLabelsByTimestampAlone() {
    PCollection<Row> events =
        p.apply(
            "Events",
            Create.timestamped(
                    stamped(pay("a", 0)),
                    stamped(pay("b", 0)),
                    stamped(pay("c", 0)),
                    stamped(pay("d", 0)),
                    stamped(pay("e", 0)),
                    stamped(pay("b", 0)))
                .withCoder(SchemaCoder.of(Payments.EVENTS.beamSchema())));
    PCollection<Row> outcomes =
        p.apply(
            "Outcomes",
            Create.of(
                    outcome("a", 40, true),
                    outcome("a", 30, true),
                    outcome("e", 5, true),
                    outcome("x", 10, true),
                    outcome("c", 90, true),
                    outcome("d", 50, false))
                .withCoder(SchemaCoder.of(Payments.OUTCOMES.beamSchema())));
    JoinLabels.Result<Row> result = events.apply(JoinLabels.events(SPEC, outcomes));
    // In a bounded log nothing arrives late: d's outcome (minute 50) is in time and labels it.
    PAssert.that(result.labeled())
        .satisfies(
            labels(
                "a:true:30:false",
                "e:true:5:false",
                "b:false:60:true",
                "c:false:60:true",
                "d:false:50:false"));
    PAssert.that(result.deadLetters())
        .satisfies(
            dead(
                Map.of(
                    DeadLetterReason.DUPLICATE_EVENT, 1,
                    DeadLetterReason.DUPLICATE_OUTCOME, 1,
                    DeadLetterReason.ORPHAN_OUTCOME, 1,
                    DeadLetterReason.OUTCOME_AFTER_TIMEOUT, 1)));
    p.run().waitUntilFinish();
  }
}
