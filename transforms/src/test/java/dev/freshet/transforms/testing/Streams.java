package dev.freshet.transforms.testing;

import dev.freshet.transforms.features.FeaturedEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  /** A tagged union row: {@code kind} is "event" or "outcome". */
  public static final org.apache.beam.sdk.schemas.Schema UNION =
      org.apache.beam.sdk.schemas.Schema.builder()
          .addStringField("kind")
          .addNullableRowField("event", Payments.EVENTS.beamSchema())
          .addNullableRowField("outcome", Payments.OUTCOMES.beamSchema())
          .build();

  public static Row event(Row event) {
    return Row.withSchema(UNION).addValues("event", event, null).build();
  }

  public static Row outcome(Row outcome) {
    return Row.withSchema(UNION).addValues("outcome", null, outcome).build();
  }

  public static SchemaCoder<Row> unionCoder() {
    return SchemaCoder.of(UNION);
  }

  /** Splits a union stream into events (rows) and outcomes. */
  public static PCollectionTuple split(PCollection<Row> union) {
    PCollectionTuple out =
        union.apply(
            "Split", ParDo.of(new SplitFn()).withOutputTags(EVENTS, TupleTagList.of(OUTCOMES)));
    out.get(EVENTS).setCoder(SchemaCoder.of(Payments.EVENTS.beamSchema()));
    out.get(OUTCOMES).setCoder(SchemaCoder.of(Payments.OUTCOMES.beamSchema()));
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
