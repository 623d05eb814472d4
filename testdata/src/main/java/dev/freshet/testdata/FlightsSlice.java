package dev.freshet.testdata;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Cuts a time range out of the flights Parquet file, keeping the original columns and types (and
 * the file's key-value metadata), rows sorted by date (ties keep file order), ZSTD-compressed.
 *
 * <pre>
 * java -cp ... dev.freshet.testdata.FlightsSlice --from 2001-01-01 --to 2001-01-08 \
 *     --out testdata/flights/flights-2001-01-01_07.parquet
 * </pre>
 */
@Command(
    name = "flights-slice",
    mixinStandardHelpOptions = true,
    version = "freshet-testdata 0.1.0",
    description = {
      "Writes the flights with date in [from, to) to a Parquet file with the original schema,"
          + " in date order.",
      "Dates are the file's wall-clock times, read as UTC."
    })
public final class FlightsSlice implements Callable<Integer> {

  /** Where {@code fetch-full.sh} puts the full file, relative to the repository root. */
  public static final String FULL_FILE = "testdata/flights/full/flights-3m.parquet";

  @Option(
      names = "--in",
      description = "The full flights Parquet file (default: ${DEFAULT-VALUE}).")
  Path in = Path.of(FULL_FILE);

  @Option(
      names = "--from",
      required = true,
      description = "First date (inclusive): 2001-01-01 or 2001-01-01T06:00.")
  String from;

  @Option(
      names = "--to",
      required = true,
      description = "End date (exclusive): 2001-01-08 or 2001-01-08T00:00.")
  String to;

  @Option(names = "--out", required = true, description = "Output Parquet file (replaced).")
  Path out;

  PrintStream stdout = System.out;

  /** What a slice holds. */
  public record Result(long rows, Instant first, Instant last, long delayed, long bytes) {
    /** Share of flights with {@code delay > 15}. */
    public double delayedRate() {
      return rows == 0 ? 0 : (double) delayed / rows;
    }
  }

  /** Runs the command line; exits with the status only when it is not zero. */
  public static void main(String[] args) {
    int status = new CommandLine(new FlightsSlice()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(in)) {
      System.err.println(in + " not found: run testdata/flights/fetch-full.sh first");
      return 2;
    }
    Result r = slice(in, out, parse(from), parse(to));
    stdout.printf(
        Locale.ROOT,
        "wrote %s: %d flights, %s .. %s, delay > 15: %d (%.2f%%), %d bytes%n",
        out,
        r.rows(),
        r.first(),
        r.last(),
        r.delayed(),
        100 * r.delayedRate(),
        r.bytes());
    return 0;
  }

  /** Parses {@code 2001-01-01} (midnight) or {@code 2001-01-01T06:00} as a UTC instant. */
  public static Instant parse(String s) {
    if (s.length() <= 10) {
      return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
    }
    if (s.endsWith("Z")) {
      return Instant.parse(s);
    }
    return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
  }

  /**
   * Writes the flights of {@code in} with date in {@code [from, to)} to {@code out}.
   *
   * @return what was written
   */
  public static Result slice(Path in, Path out, Instant from, Instant to) throws IOException {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to: " + from + " " + to);
    }
    record Row(long date, long order, Group group) {}
    List<Row> rows = new ArrayList<>();
    MessageType schema;
    java.util.Map<String, String> metadata;
    try (FlightRecords.GroupReader reader = new FlightRecords.GroupReader(in)) {
      schema = reader.schema();
      metadata = reader.keyValueMetadata();
      PrimitiveType dateColumn = schema.getType("date").asPrimitiveType();
      long order = 0;
      for (Group g = reader.read(); g != null; g = reader.read(), order++) {
        if (g.getFieldRepetitionCount("date") == 0) {
          continue;
        }
        long raw = g.getLong("date", 0);
        Instant date = FlightRecords.toInstant(raw, dateColumn);
        if (!date.isBefore(from) && date.isBefore(to)) {
          rows.add(new Row(raw, order, g));
        }
      }
    }
    rows.sort(Comparator.comparingLong(Row::date).thenComparingLong(Row::order));
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(LocalParquetFiles.output(out))
            .withType(schema)
            .withExtraMetaData(metadata)
            .withCompressionCodec(CompressionCodecName.ZSTD)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (Row r : rows) {
        writer.write(r.group());
      }
    }
    long delayed = 0;
    Instant first = null;
    Instant last = null;
    try (FlightRecords.Reader check = FlightRecords.open(out)) {
      while (check.hasNext()) {
        Flight f = check.next();
        if (first == null) {
          first = f.date();
        }
        last = f.date();
        delayed += f.isDelayed() ? 1 : 0;
      }
    }
    return new Result(rows.size(), first, last, delayed, Files.size(out));
  }
}
