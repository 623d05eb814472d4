package dev.freshet.pipelines.encodings;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.RecordDecoder;
import dev.freshet.transforms.events.RecordParser;
import org.apache.beam.sdk.extensions.protobuf.ProtoDomain;

/**
 * Decodes {@link RecordEncoding#PROTOBUF} records: one message of a type of a descriptor set, which
 * travels with the decoder. Bytes that do not parse as that message are {@link
 * DeadLetterReason#UNDECODABLE}; proto2 {@code required} fields that are not set reach the parser
 * as missing, like any field with presence.
 */
final class ProtobufDecoder implements RecordDecoder<byte[]> {
  private final ProtoDomain descriptors;
  private final String messageName;
  private final String where;
  private transient Descriptor type;

  /**
   * {@code where} names the descriptor set's origin in dead letters, e.g. {@code
   * --eventsSchema=...}.
   */
  ProtobufDecoder(ProtoDomain descriptors, String messageName, String where) {
    this.descriptors = descriptors;
    this.messageName = messageName;
    this.where = where;
  }

  @Override
  public void setup() {
    type = descriptors.getDescriptor(messageName);
  }

  @Override
  public RecordParser.Result decode(byte[] record, RecordParser parser) {
    RecordParser.Result oversized = parser.oversized(record.length);
    if (oversized != null) {
      return oversized;
    }
    DynamicMessage message;
    try {
      message = DynamicMessage.newBuilder(type).mergeFrom(record).buildPartial();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return RecordParser.Result.failure(
          DeadLetterReason.UNDECODABLE,
          "not a " + messageName + " message (" + where + "): " + Failures.describe(e));
    }
    return parser.parse(ProtobufFields.of(message));
  }

  @Override
  public String payload(byte[] record) {
    return BinaryPayload.base64(record);
  }
}
