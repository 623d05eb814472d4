package dev.freshet.transforms.events;

import java.io.IOException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Decodes encoded records (Avro, Protobuf, ...) into {@link Row}s of an {@link EventSchema} with a
 * {@link RecordDecoder}: the binary counterpart of {@link ParseEvents}, with the same outputs and
 * the same contract. Every input ends as exactly one valid row, re-stamped with its own event time,
 * or one {@link DeadLetter} with its reason and the record as the decoder renders it (base64 for
 * bytes); the counters are {@link ParseEvents}'s ({@code <source>_in}, {@code <source>_valid},
 * {@code <source>_dead}, ...), so {@code in = valid + dead} holds whatever the encoding.
 *
 * <pre>{@code
 * ParseResult parsed = bytes.apply("ParseEvents", DecodeEvents.with(spec.events(), avroDecoder));
 * }</pre>
 *
 * @param <T> what a record arrives as, e.g. {@code byte[]} from Kafka
 */
public final class DecodeEvents<T> extends PTransform<PCollection<T>, ParseResult> {
  private final EventSchema schema;
  private final RecordDecoder<T> decoder;
  private final String source;

  private DecodeEvents(EventSchema schema, RecordDecoder<T> decoder, String source) {
    this.schema = schema;
    this.decoder = decoder;
    this.source = source;
  }

  /** Decodes records of {@code schema} with {@code decoder}; dead letters name the schema. */
  public static <T> DecodeEvents<T> with(EventSchema schema, RecordDecoder<T> decoder) {
    return new DecodeEvents<>(schema, decoder, schema.name());
  }

  /** Names the source stream in dead letters and metrics (a topic or file name, say). */
  public DecodeEvents<T> withSource(String sourceName) {
    return new DecodeEvents<>(schema, decoder, sourceName);
  }

  @Override
  public ParseResult expand(PCollection<T> input) {
    PCollectionTuple out =
        input.apply(
            "Decode " + schema.name(),
            ParDo.of(new DecodeFn<>(decoder, new RecordParser(schema), source))
                .withOutputTags(ParseEvents.ROWS, TupleTagList.of(ParseEvents.DEAD)));
    return new ParseResult(
        out.get(ParseEvents.ROWS).setCoder(SchemaCoder.of(schema.beamSchema())),
        out.get(ParseEvents.DEAD).setCoder(DeadLetter.DeadLetterCoder.of()));
  }

  /** Wires a {@link RecordDecoder} to the two outputs. */
  static final class DecodeFn<T> extends DoFn<T, Row> {
    private final RecordDecoder<T> decoder;
    private final RecordParser parser;
    private final String source;
    private transient ParseOutput output;

    DecodeFn(RecordDecoder<T> decoder, RecordParser parser, String source) {
      this.decoder = decoder;
      this.parser = parser;
      this.source = source;
    }

    @Setup
    public void setup() throws IOException {
      decoder.setup();
      output = new ParseOutput(source, parser.schema());
    }

    @ProcessElement
    public void process(@Element T record, @Timestamp Instant recordTime, MultiOutputReceiver out) {
      output.in();
      output.emit(decoder.decode(record, parser), recordTime, out, () -> decoder.payload(record));
    }
  }
}
