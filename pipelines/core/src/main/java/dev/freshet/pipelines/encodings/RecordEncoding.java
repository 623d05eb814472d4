package dev.freshet.pipelines.encodings;

/**
 * How the records of a topic are encoded: what its producers write. Chosen per topic with {@code
 * --eventsEncoding} and {@code --outcomesEncoding}; see {@link TopicEncoding}.
 */
public enum RecordEncoding {
  /** One JSON object per record, UTF-8: Freshet's own format. */
  JSON,
  /**
   * Avro binary encoding of one record, every record written with one writer schema (no header).
   */
  AVRO,
  /**
   * The Confluent Schema Registry wire format: magic byte 0, the writer schema's id as 4 bytes
   * big-endian, then the Avro binary encoding of the record.
   */
  CONFLUENT_AVRO,
  /** One Protobuf message of a type defined in a {@code FileDescriptorSet}. */
  PROTOBUF
}
