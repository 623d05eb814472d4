package dev.freshet.pipelines.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;

/**
 * One deliberately broken record per parse-time dead-letter reason, derived from a valid record of
 * a schema: what the local run sends to show the dead-letter path, and what tests check lands there
 * with its reason.
 */
public final class MalformedRecords {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MalformedRecords() {}

  /** Broken variants of {@code validJson}, each with its own id (prefixed {@code bad-}). */
  public static Map<DeadLetterReason, String> of(EventSchema schema, String validJson) {
    ObjectNode valid;
    try {
      valid = (ObjectNode) JSON.readTree(validJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String id = schema.idField();
    Map<DeadLetterReason, String> out = new EnumMap<>(DeadLetterReason.class);

    out.put(DeadLetterReason.MALFORMED_JSON, "{\"" + id + "\":\"bad-json\",\"truncated\":");

    EventSchema.Field required = firstRequiredPayloadField(schema);
    ObjectNode missing = valid.deepCopy().put(id, "bad-missing");
    missing.remove(required.name());
    out.put(DeadLetterReason.MISSING_FIELD, missing.toString());

    EventSchema.Field numeric =
        schema.fields().stream()
            .filter(f -> f.type() == FieldType.DOUBLE || f.type() == FieldType.LONG)
            .findFirst()
            .orElse(null);
    if (numeric != null) {
      out.put(
          DeadLetterReason.WRONG_TYPE,
          valid.deepCopy().put(id, "bad-type").put(numeric.name(), "not a number").toString());
    }
    if (schema.typeField() != null) {
      out.put(
          DeadLetterReason.UNKNOWN_EVENT_TYPE,
          valid
              .deepCopy()
              .put(id, "bad-event-type")
              .put(schema.typeField(), "no-such-type")
              .toString());
    }
    out.put(
        DeadLetterReason.OVERSIZED,
        valid
            .deepCopy()
            .put(id, "bad-oversized")
            .put("padding", "x".repeat(schema.maxRecordBytes() + 1))
            .toString());
    return out;
  }

  private static EventSchema.Field firstRequiredPayloadField(EventSchema schema) {
    return schema.fields().stream()
        .filter(
            f ->
                f.required()
                    && !f.name().equals(schema.idField())
                    && !f.name().equals(schema.timeField())
                    && !f.name().equals(schema.typeField()))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(schema.name() + " has no required field"));
  }
}
