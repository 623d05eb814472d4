package dev.freshet.pipelines.encodings;

/**
 * Encodes a JSON record (one line of a JSON-lines file) as a producer of a topic's encoding would:
 * what {@code freshet replay} writes and what tests produce. Get one from {@link
 * TopicEncoding#encoder(Integer)}.
 */
@FunctionalInterface
public interface RecordEncoder {
  /**
   * The record's bytes; {@link IllegalArgumentException} saying which field does not fit when the
   * schema cannot hold the record.
   */
  byte[] encode(String json);
}
