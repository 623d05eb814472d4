package dev.freshet.testdata;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes records one at a time to a file; closing finishes the file.
 *
 * @param <T> the record type
 */
public interface RecordWriter<T> extends Closeable {

  /** Appends one record. */
  void write(T record) throws IOException;

  /** Appends all records in order. */
  default void writeAll(Iterable<? extends T> records) throws IOException {
    for (T r : records) {
      write(r);
    }
  }
}
