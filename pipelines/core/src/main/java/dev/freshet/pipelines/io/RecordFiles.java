package dev.freshet.pipelines.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Event files read whole by a launching program (not a pipeline: those read with {@link
 * EventFiles}) through Beam's {@link FileSystems}, so local, {@code gs://} and {@code s3://} paths
 * and patterns work alike: JSON lines (compressed by extension, e.g. {@code .gz}) line by line, and
 * Parquet row by row.
 */
public final class RecordFiles {
  private RecordFiles() {}

  /** The files matching {@code pattern}; {@link java.io.FileNotFoundException} when none does. */
  public static List<MatchResult.Metadata> match(String pattern) throws IOException {
    return FileSystems.match(pattern).metadata();
  }

  /**
   * Every record of the files matching {@code pattern} as the JSON text the parsers read: each line
   * of a JSON-lines file (blank ones too), each row of a Parquet file as a JSON object ({@link
   * AvroJson}).
   */
  public static void forEachJson(String pattern, Consumer<String> sink) throws IOException {
    for (MatchResult.Metadata file : match(pattern)) {
      if (EventFiles.detect(file.resourceId().toString()) == EventFiles.Format.PARQUET) {
        forEachRow(file, r -> sink.accept(AvroJson.toJson(r)));
      } else {
        Compression compression = Compression.detect(file.resourceId().getFilename());
        try (ReadableByteChannel channel =
                compression.readDecompressed(FileSystems.open(file.resourceId()));
            BufferedReader reader =
                new BufferedReader(
                    new InputStreamReader(
                        Channels.newInputStream(channel), StandardCharsets.UTF_8))) {
          reader.lines().forEach(sink);
        }
      }
    }
  }

  /** Every row of a Parquet file, as a generic Avro record. */
  public static void forEachRow(MatchResult.Metadata file, Consumer<GenericRecord> sink)
      throws IOException {
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(input(file)).build()) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        sink.accept(r);
      }
    }
  }

  /** A Parquet input on any Beam file system whose channels can seek (local files, GCS, S3). */
  private static InputFile input(MatchResult.Metadata file) {
    return new InputFile() {
      @Override
      public long getLength() {
        return file.sizeBytes();
      }

      @Override
      public SeekableInputStream newStream() throws IOException {
        ReadableByteChannel channel = FileSystems.open(file.resourceId());
        if (!(channel instanceof SeekableByteChannel seekable)) {
          channel.close();
          throw new IOException(
              file.resourceId() + ": this file system cannot seek, which reading Parquet needs");
        }
        InputStream in = Channels.newInputStream(seekable);
        return new DelegatingSeekableInputStream(in) {
          @Override
          public long getPos() throws IOException {
            return seekable.position();
          }

          @Override
          public void seek(long newPos) throws IOException {
            seekable.position(newPos);
          }
        };
      }
    };
  }
}
