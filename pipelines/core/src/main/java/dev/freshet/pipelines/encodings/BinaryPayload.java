package dev.freshet.pipelines.encodings;

import dev.freshet.transforms.events.DeadLetter;
import java.util.Arrays;
import java.util.Base64;

/**
 * A binary record as a dead letter keeps it: base64, cut to {@link DeadLetter#MAX_PAYLOAD_CHARS}.
 */
final class BinaryPayload {
  /** The most bytes whose base64 fits in a dead letter's payload (4 characters per 3 bytes). */
  static final int MAX_BYTES = DeadLetter.MAX_PAYLOAD_CHARS / 4 * 3;

  private BinaryPayload() {}

  static String base64(byte[] record) {
    if (record == null) {
      return "";
    }
    byte[] kept = record.length > MAX_BYTES ? Arrays.copyOf(record, MAX_BYTES) : record;
    return Base64.getEncoder().encodeToString(kept);
  }
}
