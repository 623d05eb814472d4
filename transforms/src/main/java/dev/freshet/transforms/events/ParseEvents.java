package dev.freshet.transforms.events;

import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Parses JSON records (Kafka values, JSON-lines files) into {@link Row}s of an {@link EventSchema}.
 *
 * <p>Every input ends as exactly one valid row or one {@link DeadLetter} carrying the raw payload
 * and the reason; nothing is thrown out of a bundle. Valid rows are re-stamped with their own event
 * time, so downstream windows, state and timers work in event time. Beam cannot move an element
 * back in time, so a row whose event time is before its record's timestamp keeps the record's
 * timestamp (counted as {@code <source>_behind_record_time}): Kafka topics should carry the event
 * time as the record timestamp (CreateTime) and be read with {@code KafkaIO.withCreateTime}. Counts
 * are Beam metrics in namespace {@value #METRICS_NAMESPACE}: {@code <source>_in}, {@code
 * <source>_valid}, {@code <source>_dead} and {@code <source>_dead_<REASON>}, so that {@code in =
 * valid + dead} can be checked.
 *
 * <pre>{@code
 * ParseResult parsed = lines.apply("ParseEvents", ParseEvents.json(spec.events()));
 * parsed.rows();        // PCollection<Row>
 * parsed.deadLetters(); // PCollection<DeadLetter>
 * }</pre>
 */
public final class ParseEvents extends PTransform<PCollection<String>, ParseResult> {
  public static final String METRICS_NAMESPACE = "freshet";

  static final TupleTag<Row> ROWS = new TupleTag<>() {};
  static final TupleTag<DeadLetter> DEAD = new TupleTag<>() {};

  private final EventSchema schema;
  private final String source;

  private ParseEvents(EventSchema schema, String source) {
    this.schema = schema;
    this.source = source;
  }

  /** Parses JSON strings of {@code schema}; dead letters name the schema as their source. */
  public static ParseEvents json(EventSchema schema) {
    return new ParseEvents(schema, schema.name());
  }

  /** Names the source stream in dead letters and metrics (a topic or file name, say). */
  public ParseEvents withSource(String source) {
    return new ParseEvents(schema, source);
  }

  @Override
  public ParseResult expand(PCollection<String> input) {
    PCollectionTuple out =
        input.apply(
            "Parse " + schema.name(),
            ParDo.of(new ParseJsonFn(new RecordParser(schema), source))
                .withOutputTags(ROWS, TupleTagList.of(DEAD)));
    return new ParseResult(
        out.get(ROWS).setCoder(SchemaCoder.of(schema.beamSchema())),
        out.get(DEAD).setCoder(DeadLetter.DeadLetterCoder.of()));
  }

  /** Wires {@link RecordParser} to the two outputs. */
  static final class ParseJsonFn extends DoFn<String, Row> {
    private final RecordParser parser;
    private final String source;
    private transient ParseOutput output;

    ParseJsonFn(RecordParser parser, String source) {
      this.parser = parser;
      this.source = source;
    }

    @Setup
    public void setup() {
      output = new ParseOutput(source, parser.schema());
    }

    @ProcessElement
    public void process(
        @Element String payload, @Timestamp Instant recordTime, MultiOutputReceiver out) {
      output.in();
      output.emit(parser.parseJson(payload), recordTime, out, () -> payload);
    }
  }

  /** The dead letter for a failed parse, keeping the payload (cut if oversized). */
  public static DeadLetter deadLetter(String source, RecordParser.Result result, String payload) {
    String kept =
        payload != null && payload.length() > DeadLetter.MAX_PAYLOAD_CHARS
            ? payload.substring(0, DeadLetter.MAX_PAYLOAD_CHARS)
            : payload;
    return new DeadLetter(
        source, result.reason(), result.detail(), kept, System.currentTimeMillis());
  }
}
