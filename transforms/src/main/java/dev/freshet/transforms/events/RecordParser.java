package dev.freshet.transforms.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Turns one serialized record into a {@link Row} of an {@link EventSchema}, or says precisely why
 * it cannot. Plain Java, no Beam runtime: {@link ParseEvents} wires it into a pipeline.
 *
 * <p>Rules: the record must fit in {@link EventSchema#maxRecordBytes()}; required fields must be
 * present and non-null; values must have the declared type (JSON numbers for numeric fields,
 * strings for string fields, ISO-8601 strings or epoch milliseconds for timestamps, JSON booleans
 * for booleans — a 0/1 number is accepted for a boolean label); the event type, if the schema has
 * one, must be known. Undeclared fields are ignored.
 */
public final class RecordParser implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where field values come from: a JSON object, an Avro record, a map. */
  @FunctionalInterface
  public interface FieldSource {
    /** The value of the field, or {@code null} when absent or null. */
    Object get(String field);
  }

  /** Either a row or the reason there is none. */
  public record Result(Row row, DeadLetterReason reason, String detail) {
    public boolean ok() {
      return row != null;
    }

    /**
     * No row, for {@code reason}; {@code detail} says what was wrong in words a person can act on.
     */
    public static Result failure(DeadLetterReason reason, String detail) {
      return new Result(null, reason, detail);
    }
  }

  private final EventSchema schema;

  public RecordParser(EventSchema schema) {
    this.schema = schema;
  }

  public EventSchema schema() {
    return schema;
  }

  /** Parses one JSON object. */
  public Result parseJson(String payload) {
    if (payload == null) {
      return Result.failure(DeadLetterReason.MALFORMED_JSON, "empty record");
    }
    int bytes = payload.length() > schema.maxRecordBytes() / 4 ? utf8Length(payload) : 0;
    Result oversized = oversized(bytes);
    if (oversized != null) {
      return oversized;
    }
    JsonNode node;
    try {
      node = JSON.readTree(payload);
    } catch (JsonProcessingException e) {
      return Result.failure(
          DeadLetterReason.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      return Result.failure(DeadLetterReason.MALFORMED_JSON, "expected a JSON object");
    }
    return parse(field -> fromJson(node.get(field)));
  }

  /**
   * The {@link DeadLetterReason#OVERSIZED} failure of a serialized record of {@code bytes} bytes,
   * or {@code null} when it fits in {@link EventSchema#maxRecordBytes()}: the size rule of every
   * encoding, checked before decoding.
   */
  public Result oversized(int bytes) {
    if (bytes <= schema.maxRecordBytes()) {
      return null;
    }
    return Result.failure(
        DeadLetterReason.OVERSIZED,
        "record of "
            + bytes
            + " bytes exceeds the limit of "
            + schema.maxRecordBytes()
            + " bytes for '"
            + schema.name()
            + "'");
  }

  /** Parses a record whose fields are already decoded (an Avro record, a map). */
  public Result parse(FieldSource source) {
    List<EventSchema.Field> fields = schema.fields();
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      EventSchema.Field field = fields.get(i);
      Object raw = source.get(field.name());
      if (raw == null) {
        if (field.required()) {
          return Result.failure(
              DeadLetterReason.MISSING_FIELD, "required field '" + field.name() + "' is missing");
        }
        continue;
      }
      Object value = convert(raw, field.type(), field.name().equals(schema.labelField()));
      if (value == null) {
        return Result.failure(
            DeadLetterReason.WRONG_TYPE,
            "field '"
                + field.name()
                + "' should be "
                + describe(field.type())
                + " but is "
                + describeValue(raw));
      }
      values[i] = value;
    }
    if (schema.typeField() != null) {
      String type = (String) values[schema.beamSchema().indexOf(schema.typeField())];
      if (!schema.knownTypes().contains(type)) {
        return Result.failure(
            DeadLetterReason.UNKNOWN_EVENT_TYPE,
            "event type '" + type + "' is not one of " + schema.knownTypes());
      }
    }
    return new Result(Row.withSchema(schema.beamSchema()).attachValues(values), null, null);
  }

  private static Object fromJson(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return node;
  }

  /** Converts a raw value to the Row representation of {@code type}, or null if it cannot. */
  private static Object convert(Object raw, FieldType type, boolean lenientBoolean) {
    if (raw instanceof JsonNode node) {
      return convertJson(node, type, lenientBoolean);
    }
    switch (type) {
      case STRING:
        return raw instanceof CharSequence cs ? cs.toString() : null;
      case LONG:
        return raw instanceof Long || raw instanceof Integer ? ((Number) raw).longValue() : null;
      case DOUBLE:
        return raw instanceof Number n ? n.doubleValue() : null;
      case BOOLEAN:
        if (raw instanceof Boolean b) {
          return b;
        }
        return lenientBoolean && raw instanceof Number n ? n.doubleValue() != 0 : null;
      case TIMESTAMP:
        if (raw instanceof Number n) {
          return new Instant(n.longValue());
        }
        if (raw instanceof java.time.Instant i) {
          return new Instant(i.toEpochMilli());
        }
        if (raw instanceof org.joda.time.ReadableInstant i) {
          return new Instant(i.getMillis());
        }
        return raw instanceof CharSequence cs ? parseInstant(cs.toString()) : null;
    }
    return null;
  }

  private static Object convertJson(JsonNode node, FieldType type, boolean lenientBoolean) {
    switch (type) {
      case STRING:
        return node.isTextual() ? node.textValue() : null;
      case LONG:
        return node.isIntegralNumber() && node.canConvertToLong() ? node.longValue() : null;
      case DOUBLE:
        return node.isNumber() ? node.doubleValue() : null;
      case BOOLEAN:
        if (node.isBoolean()) {
          return node.booleanValue();
        }
        return lenientBoolean && node.isNumber() ? node.doubleValue() != 0 : null;
      case TIMESTAMP:
        if (node.isIntegralNumber() && node.canConvertToLong()) {
          return new Instant(node.longValue());
        }
        return node.isTextual() ? parseInstant(node.textValue()) : null;
    }
    return null;
  }

  private static Instant parseInstant(String text) {
    try {
      return new Instant(java.time.Instant.parse(text).toEpochMilli());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String describe(FieldType type) {
    switch (type) {
      case STRING:
        return "a string";
      case LONG:
        return "an integer";
      case DOUBLE:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      case TIMESTAMP:
        return "an ISO-8601 instant (e.g. 2026-01-05T08:00:00Z) or epoch milliseconds";
    }
    return type.name();
  }

  private static String describeValue(Object raw) {
    String text = raw.toString();
    if (text.length() > 40) {
      text = text.substring(0, 40) + "...";
    }
    String kind = raw instanceof JsonNode node ? node.getNodeType().name().toLowerCase() : "";
    return kind.isEmpty() ? "'" + text + "'" : kind + " " + text;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
