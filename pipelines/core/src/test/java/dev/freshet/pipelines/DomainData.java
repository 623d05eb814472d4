package dev.freshet.pipelines;

import dev.freshet.pipelines.io.FlightRecords;
import dev.freshet.testdata.FlightsSlice;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.testdata.LabelDelays;
import dev.freshet.testdata.LocalParquetFiles;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Small, real slices of both domains' test data as files, and the same records parsed in memory.
 */
public final class DomainData {
  /** Files of one domain and their parsed records. */
  public record Slice(
      FeatureSpec spec, Path events, Path outcomes, List<Row> eventRows, List<Row> outcomeRows) {}

  private DomainData() {}

  /**
   * {@code n} generated payments (seed 5, one every 20 s) whose chargebacks come 5 to 60 minutes
   * later, so that a short slice is dense in outcome-derived features; 2% late, 1% duplicated.
   */
  public static Slice fraud(Path dir, int n) throws IOException {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    FraudGenerator generator =
        FraudGenerator.builder()
            .seed(5)
            .events(n)
            .eventsPerSecond(0.05)
            .labelDelays(
                new LabelDelays(
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(60),
                    0.02,
                    Duration.ofHours(50),
                    Duration.ofHours(80),
                    0.01,
                    Duration.ofMinutes(1),
                    Duration.ofMinutes(30)))
            .build();
    GenerateFraud.write(
        generator,
        dir,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    Path events = dir.resolve("events.jsonl");
    Path outcomes = dir.resolve("outcomes.jsonl");
    return new Slice(
        spec,
        events,
        outcomes,
        parse(new RecordParser(spec.events()), Files.readAllLines(events)),
        parse(new RecordParser(spec.outcomes()), Files.readAllLines(outcomes)));
  }

  /**
   * The real flights of 2001-01-01 between {@code fromHour} and {@code toHour} (UTC wall clock).
   */
  public static Slice flights(Path dir, int fromHour, int toHour) throws IOException {
    FeatureSpec spec = FeatureSpecs.load(Domain.FLIGHTS.defaultSpec());
    Path file = dir.resolve("flights.parquet");
    FlightsSlice.slice(
        TestDataFiles.flightsSlice(),
        file,
        Instant.parse(String.format("2001-01-01T%02d:00:00Z", fromHour)),
        Instant.parse(String.format("2001-01-01T%02d:00:00Z", toHour)));
    List<String> events = new ArrayList<>();
    List<String> outcomes = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(LocalParquetFiles.input(file)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        KV<String, String> pair = FlightRecords.toJsonPair(r);
        events.add(pair.getKey());
        if (!pair.getValue().isEmpty()) {
          outcomes.add(pair.getValue());
        }
      }
    }
    return new Slice(
        spec,
        file,
        null,
        parse(new RecordParser(spec.events()), events),
        parse(new RecordParser(spec.outcomes()), outcomes));
  }

  private static List<Row> parse(RecordParser parser, List<String> lines) {
    List<Row> rows = new ArrayList<>();
    for (String line : lines) {
      RecordParser.Result r = parser.parseJson(line);
      if (!r.ok()) {
        throw new UncheckedIOException(
            new IOException("test data does not parse: " + r.detail() + ": " + line));
      }
      rows.add(r.row());
    }
    return rows;
  }
}
