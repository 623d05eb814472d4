package dev.freshet.testdata;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Reads a flights Parquet file (the vega-datasets {@code flights-3m.parquet} or a slice of it made
 * by {@link FlightsSlice}) as {@link Flight} records, in file order, without Hadoop file systems.
 *
 * <pre>{@code
 * List<Flight> flights = FlightRecords.readAll(TestDataFiles.flightsSlice());
 * try (FlightRecords.Reader r = FlightRecords.open(path)) {
 *   while (r.hasNext()) { Flight f = r.next(); ... }
 * }
 * }</pre>
 */
public final class FlightRecords {

  private FlightRecords() {}

  /** Opens a file for lazy iteration; close the reader when done. */
  public static Reader open(Path file) throws IOException {
    return new Reader(file);
  }

  /** Reads every flight of a file into memory. */
  public static List<Flight> readAll(Path file) throws IOException {
    List<Flight> out = new ArrayList<>();
    forEach(file, out::add);
    return out;
  }

  /** Calls {@code action} for every flight of a file, in file order. */
  public static void forEach(Path file, Consumer<? super Flight> action) throws IOException {
    try (Reader r = open(file)) {
      r.forEachRemaining(action);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Number of rows in a file (from its footer, without reading the rows). */
  public static long rowCount(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(LocalParquetFiles.input(file))) {
      return reader.getRecordCount();
    }
  }

  /**
   * Converts the raw {@code date} value of the file to an instant, reading the wall-clock time as
   * UTC, for the timestamp unit the schema declares (millis, micros or nanos).
   */
  static Instant toInstant(long raw, PrimitiveType dateColumn) {
    LogicalTypeAnnotation a = dateColumn.getLogicalTypeAnnotation();
    if (!(a instanceof TimestampLogicalTypeAnnotation ts)) {
      throw new IllegalArgumentException("date column is not a timestamp: " + dateColumn);
    }
    return switch (ts.getUnit()) {
      case MILLIS -> Instant.ofEpochMilli(raw);
      case MICROS ->
          Instant.ofEpochSecond(
              Math.floorDiv(raw, 1_000_000L), Math.floorMod(raw, 1_000_000L) * 1000L);
      case NANOS ->
          Instant.ofEpochSecond(
              Math.floorDiv(raw, 1_000_000_000L), Math.floorMod(raw, 1_000_000_000L));
    };
  }

  /** Reads groups (rows) of any Parquet file in file order; used by the flights tools. */
  static final class GroupReader implements Closeable {
    private final ParquetFileReader reader;
    private final MessageType schema;
    private final MessageColumnIO columnIo;
    private RecordReader<Group> rows;
    private long left;

    GroupReader(Path file) throws IOException {
      this.reader = ParquetFileReader.open(LocalParquetFiles.input(file));
      this.schema = reader.getFooter().getFileMetaData().getSchema();
      this.columnIo = new ColumnIOFactory().getColumnIO(schema);
    }

    MessageType schema() {
      return schema;
    }

    java.util.Map<String, String> keyValueMetadata() {
      return reader.getFooter().getFileMetaData().getKeyValueMetaData();
    }

    /** The next row, or null at the end. */
    Group read() throws IOException {
      while (left == 0) {
        PageReadStore pages = reader.readNextRowGroup();
        if (pages == null) {
          return null;
        }
        left = pages.getRowCount();
        rows = columnIo.getRecordReader(pages, new GroupRecordConverter(schema));
      }
      left--;
      return rows.read();
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  /** Lazily iterates the flights of one file. */
  public static final class Reader implements Iterator<Flight>, Closeable {
    private final GroupReader groups;
    private final PrimitiveType dateColumn;
    private Group next;
    private long row;

    private Reader(Path file) throws IOException {
      this.groups = new GroupReader(file);
      MessageType schema = groups.schema();
      for (String column : List.of("date", "delay", "distance", "origin", "destination")) {
        if (!schema.containsField(column)) {
          groups.close();
          throw new IOException(file + " is not a flights file: no column " + column);
        }
      }
      this.dateColumn = schema.getType("date").asPrimitiveType();
      this.next = groups.read();
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Flight next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      Group g = next;
      row++;
      try {
        next = groups.read();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new Flight(
          toInstant(required(g, "date").getLong("date", 0), dateColumn),
          Math.toIntExact(required(g, "delay").getLong("delay", 0)),
          Math.toIntExact(required(g, "distance").getLong("distance", 0)),
          required(g, "origin").getString("origin", 0),
          required(g, "destination").getString("destination", 0));
    }

    private Group required(Group g, String field) {
      if (g.getFieldRepetitionCount(field) == 0) {
        throw new IllegalStateException("row " + row + ": " + field + " is null");
      }
      return g;
    }

    @Override
    public void close() throws IOException {
      groups.close();
    }
  }
}
