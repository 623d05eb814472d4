package dev.freshet.pipelines.encodings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;

/**
 * Encodes JSON records as Protobuf messages of one type with Protobuf's own JSON mapping ({@link
 * JsonFormat}): fields by their {@code .proto} or JSON names, {@code google.protobuf.Timestamp}
 * from RFC 3339 strings ({@code 2026-01-05T08:00:00.123Z}) or, as Freshet's files may hold them,
 * epoch milliseconds; enums by name; null as not set. Fields the message does not declare are left
 * out.
 */
final class ProtobufEncoder implements RecordEncoder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Parser PROTOBUF_JSON =
      JsonFormat.parser().ignoringUnknownFields();

  private final Descriptor type;

  ProtobufEncoder(Descriptor type) {
    this.type = type;
  }

  @Override
  public byte[] encode(String json) {
    DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
    try {
      PROTOBUF_JSON.merge(withRfc3339Times(json), message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "not a " + type.getFullName() + " in JSON: " + e.getMessage(), e);
    }
    return message.build().toByteArray();
  }

  /** {@code json} with epoch milliseconds in Timestamp fields as RFC 3339 strings. */
  private String withRfc3339Times(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException("not a JSON object");
    }
    for (FieldDescriptor field : type.getFields()) {
      JsonNode value = object.get(field.getName());
      if (value != null
          && value.isIntegralNumber()
          && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && field.getMessageType().getFullName().equals(ProtobufFields.TIMESTAMP)) {
        object.put(field.getName(), Instant.ofEpochMilli(value.longValue()).toString());
      }
    }
    return object.toString();
  }
}
