package dev.freshet.pipelines.skew;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.features.FeatureSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * An event log replayed as an <em>unbounded</em> stream in event-time order: one {@link TestStream}
 * carrying events and outcomes (a runner allows one per pipeline), the watermark advanced to each
 * timestamp before its records, then split into event rows ({@link #EVENTS}) and outcome rows
 * ({@link #OUTCOMES}). This is the arrival order for which the design promises that the streaming
 * path gives the batch path's vectors bit for bit; on the direct runner each step is processed to
 * completion before the next, so label timers fire exactly where they would live.
 *
 * <p>The records are held in the pipeline definition, so the log must fit in the launcher's memory
 * (the skew check's {@code --maxEvents} takes a prefix of a large log).
 */
public final class ArrivalStream extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Row> EVENTS = new TupleTag<>() {};
  public static final TupleTag<Row> OUTCOMES = new TupleTag<>() {};

  private final FeatureSpec spec;
  private final EventLog.Records log;

  private ArrivalStream(FeatureSpec spec, EventLog.Records log) {
    this.spec = spec;
    this.log = log;
  }

  /** Replays {@code log} (events and the outcomes known by its last event) in time order. */
  public static ArrivalStream of(FeatureSpec spec, EventLog.Records log) {
    return new ArrivalStream(spec, log);
  }

  /** A tagged union of an event row and an outcome row: {@code kind} is "event" or "outcome". */
  static Schema union(EventSchema events, EventSchema outcomes) {
    // A spec without outcomes still gets an outcome slot (never filled) so rows stay uniform.
    return Schema.builder()
        .addStringField("kind")
        .addNullableRowField("event", events.beamSchema())
        .addNullableRowField("outcome", (outcomes == null ? events : outcomes).beamSchema())
        .build();
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    if (log.events().isEmpty()) {
      throw new IllegalArgumentException("the event log has no valid event to replay");
    }
    TestStream.Builder<Row> script =
        TestStream.create(SchemaCoder.of(union(spec.events(), spec.outcomes())));
    for (List<TimestampedValue<Row>> step : steps()) {
      script = script.advanceWatermarkTo(step.get(0).getTimestamp());
      script = addAll(script, step);
    }
    PCollectionTuple split =
        begin
            .apply("InArrivalOrder", script.advanceWatermarkToInfinity())
            .apply(
                "Split", ParDo.of(new SplitFn()).withOutputTags(EVENTS, TupleTagList.of(OUTCOMES)));
    split.get(EVENTS).setCoder(SchemaCoder.of(spec.events().beamSchema()));
    split
        .get(OUTCOMES)
        .setCoder(
            SchemaCoder.of(
                (spec.outcomes() == null ? spec.events() : spec.outcomes()).beamSchema()));
    return split;
  }

  /**
   * The records in time order, cut into TestStream steps. The direct runner processes each step to
   * completion, so a step boundary (with the watermark advanced to the next record) is needed only
   * where something must have happened before the next record: after an outcome (its label must
   * reach the feature stages before later events) and after a label deadline {@code t + L} (the
   * timeout timer must fire first). Between boundaries records go in one step, in time order; per
   * key that is their arrival order, as on a Kafka partition. Cutting at every timestamp gives the
   * same vectors, only more steps (each costs the direct runner a pass over the graph).
   */
  List<List<TimestampedValue<Row>>> steps() {
    Schema union = union(spec.events(), spec.outcomes());
    List<TimestampedValue<Row>> records = new ArrayList<>();
    TreeSet<Long> deadlines = new TreeSet<>();
    long window = spec.labelWindow() == null ? -1 : spec.labelWindow().getMillis();
    for (Row e : log.events()) {
      long t = EventLog.time(e, spec.events());
      records.add(
          TimestampedValue.of(
              Row.withSchema(union).addValues("event", e, null).build(), new Instant(t)));
      if (window >= 0) {
        deadlines.add(t + window);
      }
    }
    // Outcomes known after the last event cannot change any vector.
    long last = log.lastEventMillis(spec);
    for (Row o : log.outcomes()) {
      long t = EventLog.time(o, spec.outcomes());
      if (t <= last) {
        records.add(
            TimestampedValue.of(
                Row.withSchema(union).addValues("outcome", null, o).build(), new Instant(t)));
      }
    }
    records.sort(Comparator.comparing(TimestampedValue::getTimestamp));
    List<List<TimestampedValue<Row>>> steps = new ArrayList<>();
    List<TimestampedValue<Row>> step = null;
    long barrier = Long.MAX_VALUE;
    for (TimestampedValue<Row> r : records) {
      long t = r.getTimestamp().getMillis();
      if (step == null || t > barrier) {
        step = new ArrayList<>();
        steps.add(step);
        Long next = deadlines.ceiling(t);
        barrier = next == null ? Long.MAX_VALUE : next;
      }
      step.add(r);
      if ("outcome".equals(r.getValue().getString("kind"))) {
        barrier = Math.min(barrier, t);
      }
    }
    return steps;
  }

  /** The records of one step as one TestStream event. */
  // TestStream takes the rest as generic varargs: the array of them can only be created raw.
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static TestStream.Builder<Row> addAll(
      TestStream.Builder<Row> script, List<TimestampedValue<Row>> values) {
    TimestampedValue<Row>[] rest =
        values.subList(1, values.size()).toArray(new TimestampedValue[0]);
    return script.addElements(values.get(0), rest);
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
}
