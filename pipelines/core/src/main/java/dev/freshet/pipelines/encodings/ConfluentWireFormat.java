package dev.freshet.pipelines.encodings;

import java.nio.ByteBuffer;

/**
 * The Confluent Schema Registry wire format of a Kafka value: magic byte {@code 0}, the writer
 * schema's id as a 4-byte big-endian integer, then the serialized record (here: Avro binary).
 */
public final class ConfluentWireFormat {
  /** The first byte of every record in the wire format. */
  public static final byte MAGIC_BYTE = 0;

  /** Bytes before the record: the magic byte and the schema id. */
  public static final int HEADER_BYTES = 5;

  private ConfluentWireFormat() {}

  /** {@code record} with the header naming {@code schemaId}. */
  public static byte[] frame(int schemaId, byte[] record) {
    return ByteBuffer.allocate(HEADER_BYTES + record.length)
        .put(MAGIC_BYTE)
        .putInt(schemaId)
        .put(record)
        .array();
  }

  /**
   * What is wrong with the header of {@code value}, or {@code null} when it has one: too short, or
   * a first byte that is not the magic byte.
   */
  static String headerProblem(byte[] value) {
    if (value.length < HEADER_BYTES) {
      return "record of "
          + value.length
          + " bytes is shorter than the Confluent wire format's 5-byte header (magic byte 0 and"
          + " a 4-byte schema id)";
    }
    if (value[0] != MAGIC_BYTE) {
      return String.format(
          "first byte is 0x%02x, not the Confluent wire format's magic byte 0%s",
          value[0] & 0xff, value[0] == '{' ? " (the record looks like JSON)" : "");
    }
    return null;
  }

  /** The schema id of a record whose header {@link #headerProblem} accepted. */
  static int schemaId(byte[] value) {
    return ByteBuffer.wrap(value, 1, 4).getInt();
  }
}
