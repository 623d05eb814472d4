package dev.freshet.testdata;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Parquet {@link InputFile} and {@link OutputFile} on plain local files ({@code java.nio}), so
 * reading and writing Parquet needs no Hadoop file system (no {@code .crc} side files, no native
 * library warnings). Parquet 1.13 has no {@code LocalOutputFile} of its own.
 */
public final class LocalParquetFiles {

  private LocalParquetFiles() {}

  /** A Parquet input on a local file. */
  public static InputFile input(Path file) {
    return new InputFile() {
      @Override
      public long getLength() throws IOException {
        return Files.size(file);
      }

      @Override
      public SeekableInputStream newStream() throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        InputStream in = Channels.newInputStream(channel);
        return new DelegatingSeekableInputStream(in) {
          @Override
          public long getPos() throws IOException {
            return channel.position();
          }

          @Override
          public void seek(long newPos) throws IOException {
            channel.position(newPos);
          }
        };
      }

      @Override
      public String toString() {
        return file.toString();
      }
    };
  }

  /** A Parquet output on a local file; parent folders are created, an existing file replaced. */
  public static OutputFile output(Path file) {
    return new OutputFile() {
      @Override
      public PositionOutputStream create(long blockSizeHint) throws IOException {
        return open(false);
      }

      @Override
      public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        return open(true);
      }

      private PositionOutputStream open(boolean overwrite) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        OutputStream raw =
            overwrite
                ? Files.newOutputStream(file)
                : Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
        OutputStream out = new BufferedOutputStream(raw, 1 << 16);
        return new PositionOutputStream() {
          private long pos;

          @Override
          public long getPos() {
            return pos;
          }

          @Override
          public void write(int b) throws IOException {
            out.write(b);
            pos++;
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            pos += len;
          }

          @Override
          public void flush() throws IOException {
            out.flush();
          }

          @Override
          public void close() throws IOException {
            out.close();
          }
        };
      }

      @Override
      public boolean supportsBlockSize() {
        return false;
      }

      @Override
      public long defaultBlockSize() {
        return 0;
      }

      @Override
      public String getPath() {
        return file.toString();
      }
    };
  }
}
