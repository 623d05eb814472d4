package dev.freshet.transforms.testing;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.features.FeaturedEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

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
