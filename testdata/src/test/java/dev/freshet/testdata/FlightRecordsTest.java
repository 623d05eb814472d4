package dev.freshet.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FlightRecordsTest {

  /** Rows of the committed slice 2001-01-01 .. 2001-01-07 (see testdata/README.md). */
  private static final int SLICE_ROWS = 113_493;

  /** Flights of the slice with delay > 15 minutes. */
  private static final int SLICE_DELAYED = 28_751;

  private static final Instant FROM = Instant.parse("2001-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2001-01-08T00:00:00Z");

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void committedSliceHasTheExpectedRowsInDateOrder() throws Exception {
    Path slice = TestDataFiles.flightsSlice();
    assertThat(Files.size(slice)).isLessThan(5_000_000);
    assertThat(FlightRecords.rowCount(slice)).isEqualTo(SLICE_ROWS);
    List<Flight> flights = FlightRecords.readAll(slice);
    assertThat(flights).hasSize(SLICE_ROWS);
    assertThat(flights.get(0).date()).isEqualTo(Instant.parse("2001-01-01T00:01:00Z"));
    assertThat(flights.get(SLICE_ROWS - 1).date()).isEqualTo(Instant.parse("2001-01-07T23:59:00Z"));
    for (int i = 0; i < flights.size(); i++) {
      Flight f = flights.get(i);
      assertThat(f.date()).isAfterOrEqualTo(FROM).isBefore(TO);
      if (i > 0) {
        assertThat(f.date()).isAfterOrEqualTo(flights.get(i - 1).date());
      }
      assertThat(f.origin()).matches("[A-Z]{3}");
      assertThat(f.destination()).matches("[A-Z]{3}");
      assertThat(f.distance()).isPositive();
    }
    assertThat(flights.stream().filter(Flight::isDelayed).count()).isEqualTo(SLICE_DELAYED);
  }

  @Test
  public void committedSliceKeepsTheOriginalColumnTypes() throws Exception {
    MessageType schema;
    try (ParquetFileReader r =
        ParquetFileReader.open(LocalParquetFiles.input(TestDataFiles.flightsSlice()))) {
      schema = r.getFooter().getFileMetaData().getSchema();
    }
    assertThat(schema.getFields().stream().map(f -> f.getName()).toList())
        .containsExactly("date", "delay", "distance", "origin", "destination");
    var date = schema.getType("date").asPrimitiveType();
    assertThat(date.getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT64);
    assertThat(date.getLogicalTypeAnnotation())
        .isEqualTo(
            LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.MICROS));
    assertThat(schema.getType("delay").asPrimitiveType().getPrimitiveTypeName())
        .isEqualTo(PrimitiveTypeName.INT64);
    assertThat(schema.getType("distance").asPrimitiveType().getPrimitiveTypeName())
        .isEqualTo(PrimitiveTypeName.INT64);
    assertThat(schema.getType("origin").getLogicalTypeAnnotation())
        .isEqualTo(LogicalTypeAnnotation.stringType());
  }

  @Test
  public void sliceOfTheSliceMatchesAFilterAndKeepsTheSchema() throws Exception {
    Path out = tmp.getRoot().toPath().resolve("day2.parquet");
    Instant from = FlightsSlice.parse("2001-01-02");
    Instant to = FlightsSlice.parse("2001-01-03T12:00");
    FlightsSlice.Result r = FlightsSlice.slice(TestDataFiles.flightsSlice(), out, from, to);

    List<Flight> expected =
        FlightRecords.readAll(TestDataFiles.flightsSlice()).stream()
            .filter(f -> !f.date().isBefore(from) && f.date().isBefore(to))
            .toList();
    assertThat(expected).isNotEmpty();
    assertThat(FlightRecords.readAll(out)).isEqualTo(expected);
    assertThat(r.rows()).isEqualTo(expected.size());
    assertThat(r.first()).isEqualTo(expected.get(0).date());
    try (ParquetFileReader a = ParquetFileReader.open(LocalParquetFiles.input(out));
        ParquetFileReader b =
            ParquetFileReader.open(LocalParquetFiles.input(TestDataFiles.flightsSlice()))) {
      assertThat(a.getFooter().getFileMetaData().getSchema())
          .isEqualTo(b.getFooter().getFileMetaData().getSchema());
    }
  }

  @Test
  public void fullFileSliceReproducesTheCommittedSlice() throws Exception {
    Path full = TestDataFiles.flightsFull();
    Assume.assumeTrue("run testdata/flights/fetch-full.sh to enable", Files.isRegularFile(full));
    Path out = tmp.getRoot().toPath().resolve("slice.parquet");
    FlightsSlice.Result r = FlightsSlice.slice(full, out, FROM, TO);
    assertThat(r.rows()).isEqualTo(SLICE_ROWS);
    // Same rows in the same order. (Not byte-compared: parquet-mr writes the footer's encoding
    // lists from a HashSet of enums, whose order can change from one JVM run to the next.)
    assertThat(FlightRecords.readAll(out))
        .isEqualTo(FlightRecords.readAll(TestDataFiles.flightsSlice()));
  }
}
