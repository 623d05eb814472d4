package dev.freshet.pipelines.io;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads a bounded file of records (JSON lines, optionally gzipped, CSV with a header line, or
 * Parquet) and parses it with the same rules as a Kafka topic: valid rows stamped with event time,
 * and dead letters.
 *
 * <pre>{@code
 * ParseResult events = p.apply("ReadEvents", EventFiles.read(spec.events()).from("gs://b/events/*.parquet"));
 * }</pre>
 */
public final class EventFiles extends PTransform<PBegin, ParseResult> {
  /** File formats; {@link #AUTO} chooses by extension. */
  public enum Format {
    AUTO,
    JSONL,
    PARQUET,
    /** Comma-separated values with a header line naming the fields. */
    CSV
  }

  /**
   * Reads Parquet into generic Avro records even when a record name matches a class on the class
   * path (parquet-avro would otherwise try to build that class).
   */
  static final Map<String, String> GENERIC_AVRO =
      Map.of("parquet.avro.data.supplier", "org.apache.parquet.avro.GenericDataSupplier");

  private final EventSchema schema;
  private final String pattern;
  private final Format format;

  private EventFiles(EventSchema schema, String pattern, Format format) {
    this.schema = schema;
    this.pattern = pattern;
    this.format = format;
  }

  public static EventFiles read(EventSchema schema) {
    return new EventFiles(schema, null, Format.AUTO);
  }

  /** A file pattern on any Beam file system. */
  public EventFiles from(String filePattern) {
    return new EventFiles(schema, filePattern, format);
  }

  public EventFiles withFormat(Format fileFormat) {
    return new EventFiles(schema, pattern, fileFormat);
  }

  /**
   * The format of {@code pattern}: Parquet for {@code .parquet}, CSV for {@code .csv} (optionally
   * gzipped), JSON lines otherwise.
   */
  public static Format detect(String filePattern) {
    String name = filePattern.toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return Format.PARQUET;
    }
    return name.endsWith(".csv") || name.endsWith(".csv.gz") ? Format.CSV : Format.JSONL;
  }

  @Override
  public ParseResult expand(PBegin begin) {
    if (pattern == null) {
      throw new IllegalArgumentException("EventFiles needs a file pattern: call from(...)");
    }
    Format f = format == Format.AUTO ? detect(pattern) : format;
    PCollection<String> lines =
        switch (f) {
          case PARQUET ->
              begin.apply(
                  "ReadParquet",
                  ParquetIO.parseGenericRecords(AvroJson::toJson)
                      .withCoder(StringUtf8Coder.of())
                      .withConfiguration(GENERIC_AVRO)
                      .from(pattern));
          case CSV ->
              begin
                  .apply("MatchCsv", FileIO.match().filepattern(pattern))
                  .apply("OpenCsv", FileIO.readMatches())
                  .apply("CsvToJson", ParDo.of(new CsvToJson(schema)));
          default -> begin.apply("ReadLines", TextIO.read().from(pattern));
        };
    return lines.apply("Parse", ParseEvents.json(schema).withSource(schema.name()));
  }
}
