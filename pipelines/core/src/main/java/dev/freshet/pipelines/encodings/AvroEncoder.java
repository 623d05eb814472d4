package dev.freshet.pipelines.encodings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Encodes JSON records as Avro binary with a writer schema, by the schema's field types: strings
 * and enum symbols from JSON strings; {@code int}, {@code long}, {@code float}, {@code double} and
 * {@code boolean} from JSON numbers and booleans; {@code timestamp-millis} and {@code
 * timestamp-micros} longs from ISO-8601 strings or epoch milliseconds; a union takes the first
 * branch that holds the value; an absent field takes the schema's default, or null where the schema
 * allows it. Fields the schema does not declare are left out. Not thread-safe.
 */
final class AvroEncoder implements RecordEncoder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Schema schema;
  private final GenericDatumWriter<GenericRecord> writer;
  private BinaryEncoder encoder;

  AvroEncoder(Schema schema) {
    this.schema = schema;
    this.writer = new GenericDatumWriter<>(schema);
  }

  @Override
  public byte[] encode(String json) {
    GenericRecord record = record(json);
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    encoder = EncoderFactory.get().binaryEncoder(out, encoder);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The JSON record as a generic record of the schema. */
  GenericRecord record(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      JsonNode value = node.get(field.name());
      if (value == null && field.hasDefaultValue()) {
        record.put(field.pos(), GenericData.get().getDefaultValue(field));
      } else {
        record.put(field.pos(), value(value, field.schema(), field.name()));
      }
    }
    return record;
  }

  private static Object value(JsonNode value, Schema type, String field) {
    boolean absent = value == null || value.isNull();
    if (type.getType() == Schema.Type.UNION) {
      for (Schema branch : type.getTypes()) {
        if (absent == (branch.getType() == Schema.Type.NULL)) {
          try {
            return value(value, branch, field);
          } catch (IllegalArgumentException e) {
            // try the next branch
          }
        }
      }
      throw cannotHold(field, type, value);
    }
    if (absent) {
      if (type.getType() == Schema.Type.NULL) {
        return null;
      }
      throw new IllegalArgumentException(
          "field '" + field + "' is missing or null but the schema requires " + type);
    }
    String logical = type.getLogicalType() == null ? "" : type.getLogicalType().getName();
    switch (type.getType()) {
      case STRING:
        if (value.isTextual()) {
          return value.textValue();
        }
        break;
      case ENUM:
        if (value.isTextual() && type.hasEnumSymbol(value.textValue())) {
          return new GenericData.EnumSymbol(type, value.textValue());
        }
        break;
      case BOOLEAN:
        if (value.isBoolean()) {
          return value.booleanValue();
        }
        break;
      case INT:
        if (value.isIntegralNumber() && value.canConvertToInt()) {
          return value.intValue();
        }
        break;
      case LONG:
        if (logical.equals("timestamp-millis") || logical.equals("timestamp-micros")) {
          Instant time = instant(value);
          if (time != null) {
            return logical.equals("timestamp-millis")
                ? time.toEpochMilli()
                : Math.addExact(
                    Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
          }
        } else if (value.isIntegralNumber() && value.canConvertToLong()) {
          return value.longValue();
        }
        break;
      case FLOAT:
        if (value.isNumber()) {
          return value.floatValue();
        }
        break;
      case DOUBLE:
        if (value.isNumber()) {
          return value.doubleValue();
        }
        break;
      default:
        throw new IllegalArgumentException(
            "field '" + field + "' is of Avro type " + type + ", which replay cannot write");
    }
    throw cannotHold(field, type, value);
  }

  /** An ISO-8601 string or epoch milliseconds, or null. */
  private static Instant instant(JsonNode value) {
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return Instant.ofEpochMilli(value.longValue());
    }
    if (value.isTextual()) {
      try {
        return Instant.parse(value.textValue());
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  private static IllegalArgumentException cannotHold(String field, Schema type, JsonNode value) {
    return new IllegalArgumentException(
        "field '" + field + "' holds " + value + ", which Avro type " + type + " cannot hold");
  }
}
