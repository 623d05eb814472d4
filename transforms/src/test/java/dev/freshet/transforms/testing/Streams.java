package dev.freshet.transforms.testing;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.features.FeaturedEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * One scripted stream carrying both events and outcomes (a runner runs one TestStream per
 * pipeline), split apart in the pipeline.
 */
public final class Streams {
  public static final TupleTag<Row> EVENTS = new TupleTag<>() {};
  public static final TupleTag<Row> OUTCOMES = new TupleTag<>() {};

  private Streams() {}

  /** A tagged union row of a domain: {@code kind} is "event" or "outcome". */
  public static Schema union(EventSchema events, EventSchema outcomes) {
    return Schema.builder()
        .addStringField("kind")
        .addNullableRowField("event", events.beamSchema())
        .addNullableRowField("outcome", outcomes.beamSchema())
        .build();
  }

  /** The union of the {@link Payments} domain. */
  public static final Schema UNION = union(Payments.EVENTS, Payments.OUTCOMES);

  public static Row event(Row event) {
    return event(UNION, event);
  }

  public static Row outcome(Row outcome) {
    return outcome(UNION, outcome);
  }

  public static Row event(Schema union, Row event) {
    return Row.withSchema(union).addValues("event", event, null).build();
  }

  public static Row outcome(Schema union, Row outcome) {
    return Row.withSchema(union).addValues("outcome", null, outcome).build();
  }

  public static SchemaCoder<Row> unionCoder() {
    return SchemaCoder.of(UNION);
  }

  /** Splits a {@link Payments} union stream into events and outcomes. */
  public static PCollectionTuple split(PCollection<Row> union) {
    return split(union, Payments.EVENTS, Payments.OUTCOMES);
  }

  /** Splits a union stream into event rows and outcome rows. */
  public static PCollectionTuple split(
      PCollection<Row> union, EventSchema events, EventSchema outcomes) {
    PCollectionTuple out =
        union.apply(
            "Split", ParDo.of(new SplitFn()).withOutputTags(EVENTS, TupleTagList.of(OUTCOMES)));
    out.get(EVENTS).setCoder(SchemaCoder.of(events.beamSchema()));
    out.get(OUTCOMES).setCoder(SchemaCoder.of(outcomes.beamSchema()));
    return out;
  }

  /** A {@link Payments} event as a union element stamped with its event time. */
  public static TimestampedValue<Row> timedEvent(Row event) {
    return TimestampedValue.of(event(event), event.getDateTime("event_time").toInstant());
  }

  /** A {@link Payments} outcome as a union element stamped with its own time. */
  public static TimestampedValue<Row> timedOutcome(Row outcome) {
    return TimestampedValue.of(outcome(outcome), outcome.getDateTime("outcome_time").toInstant());
  }

  /**
   * A domain's events and outcomes merged in time order, the watermark advanced to each timestamp
   * before its records: the arrival order for which batch and streaming must agree bit for bit.
   * Outcomes known after the last event are left out: they cannot change any feature vector.
   */
  public static TestStream<Row> inTimeOrder(
      EventSchema events, EventSchema outcomes, List<Row> eventRows, List<Row> outcomeRows) {
    Schema union = union(events, outcomes);
    Instant lastEvent =
        eventRows.stream()
            .map(e -> e.getDateTime(events.timeField()).toInstant())
            .max(Instant::compareTo)
            .orElseThrow();
    // At equal times the outcomes come first: a label known at t is known to the events at t.
    TreeMap<Instant, List<TimestampedValue<Row>>> byTime = new TreeMap<>();
    for (Row o : outcomeRows) {
      Instant t = o.getDateTime(outcomes.timeField()).toInstant();
      if (!t.isAfter(lastEvent)) {
        byTime
            .computeIfAbsent(t, k -> new ArrayList<>())
            .add(TimestampedValue.of(outcome(union, o), t));
      }
    }
    for (Row e : eventRows) {
      Instant t = e.getDateTime(events.timeField()).toInstant();
      byTime
          .computeIfAbsent(t, k -> new ArrayList<>())
          .add(TimestampedValue.of(event(union, e), t));
    }
    TestStream.Builder<Row> script = TestStream.create(SchemaCoder.of(union));
    for (Map.Entry<Instant, List<TimestampedValue<Row>>> step : byTime.entrySet()) {
      script = script.advanceWatermarkTo(step.getKey());
      for (TimestampedValue<Row> value : step.getValue()) {
        script = script.addElements(value);
      }
    }
    return script.advanceWatermarkToInfinity();
  }

  static final class SplitFn extends DoFn<Row, Row> {
    @ProcessElement
    public void process(@Element Row union, MultiOutputReceiver out) {
      if ("event".equals(union.getString("kind"))) {
        out.get(EVENTS).output(union.getRow("event"));
      } else {
        out.get(OUTCOMES).output(union.getRow("outcome"));
      }
    }
  }

  /** Feature vectors by event id (duplicates must agree), for assertions. */
  public static SerializableFunction<Iterable<FeaturedEvent>, Void> byId(
      SerializableFunction<Map<String, List<float[]>>, Void> check) {
    return events -> {
      Map<String, List<float[]>> byId = new HashMap<>();
      for (FeaturedEvent e : events) {
        byId.computeIfAbsent(e.event().getString("event_id"), k -> new java.util.ArrayList<>())
            .add(e.features());
      }
      return check.apply(byId);
    };
  }
}
