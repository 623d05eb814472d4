package dev.freshet.pipelines.encodings;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Reads Avro binary records written with one writer schema, as generic records (strings as {@code
 * Utf8}, logical types as their underlying values). Not thread-safe: one per DoFn instance.
 */
final class AvroBinary {
  private final Schema writer;
  private final GenericDatumReader<GenericRecord> reader;
  private BinaryDecoder binary;

  AvroBinary(Schema writer) {
    this.writer = writer;
    this.reader = new GenericDatumReader<>(writer);
  }

  Schema writer() {
    return writer;
  }

  /**
   * The record in {@code bytes} from {@code offset} to the end; fails when the bytes are not one
   * complete record of the writer schema, leftover bytes included (they mean another schema).
   */
  GenericRecord read(byte[] bytes, int offset) throws IOException {
    int length = bytes.length - offset;
    binary = DecoderFactory.get().binaryDecoder(bytes, offset, length, binary);
    GenericRecord record = reader.read(null, new BoundedDecoder(binary, length));
    if (!binary.isEnd()) {
      throw new IOException(
          binary.inputStream().available()
              + " bytes left after a complete record (written with another schema?)");
    }
    return record;
  }
}
