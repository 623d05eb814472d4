package dev.freshet.pipelines.encodings;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import dev.freshet.transforms.events.RecordParser;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;

/**
 * The fields of an Avro record as {@link RecordParser} reads them: strings ({@code Utf8}) and enum
 * symbols as {@code String}, {@code int}/{@code long}/{@code float}/{@code double}/{@code boolean}
 * as they are, {@code timestamp-millis} as epoch milliseconds and {@code timestamp-micros} divided
 * by 1000 (rounded down); a null union branch or a field the writer schema lacks is missing.
 * Anything else (bytes, arrays, records) reaches the parser as it is and fails its type rules.
 */
final class AvroFields {
  private AvroFields() {}

  /** The field values of {@code record}. */
  static RecordParser.FieldSource of(GenericRecord record) {
    return name -> {
      Schema.Field field = record.getSchema().getField(name);
      return field == null ? null : value(record.get(field.pos()), field.schema());
    };
  }

  private static Object value(Object value, Schema schema) {
    if (value == null) {
      return null;
    }
    if (schema.getType() == Schema.Type.UNION) {
      return value(value, schema.getTypes().get(GenericData.get().resolveUnion(schema, value)));
    }
    if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?>) {
      return value.toString();
    }
    if (value instanceof Long micros && isMicros(schema.getLogicalType())) {
      return Math.floorDiv(micros, 1000L);
    }
    return value;
  }

  private static boolean isMicros(LogicalType type) {
    return type != null && type.getName().equals("timestamp-micros");
  }

  /**
   * What keeps {@code avro} (a record schema) from holding {@code schema}'s records: the required
   * fields it lacks, and each field whose Avro type cannot hold the declared type; each a phrase
   * that follows the schema's name ("has no field 'amount'..."). Empty when it fits.
   */
  static List<String> problems(Schema avro, EventSchema schema, String specName) {
    return SchemaFit.problems(
        schema,
        specName,
        avro::getField,
        (f, type, label) -> canHold(f.schema(), type, label),
        f -> describe(f.schema()));
  }

  /** Whether some branch of {@code avro} holds values of {@code type}. */
  private static boolean canHold(Schema avro, FieldType type, boolean label) {
    if (avro.getType() == Schema.Type.UNION) {
      return avro.getTypes().stream().anyMatch(branch -> canHold(branch, type, label));
    }
    Schema.Type t = avro.getType();
    boolean number =
        t == Schema.Type.INT
            || t == Schema.Type.LONG
            || t == Schema.Type.FLOAT
            || t == Schema.Type.DOUBLE;
    return switch (type) {
      case STRING -> t == Schema.Type.STRING || t == Schema.Type.ENUM;
      case LONG -> t == Schema.Type.INT || t == Schema.Type.LONG;
      case DOUBLE -> number;
      case BOOLEAN -> t == Schema.Type.BOOLEAN || (label && number);
      case TIMESTAMP -> t == Schema.Type.LONG || t == Schema.Type.STRING;
    };
  }

  private static String describe(Schema avro) {
    if (avro.getType() == Schema.Type.UNION) {
      return avro.getTypes().stream()
          .map(AvroFields::describe)
          .collect(Collectors.joining(", ", "[", "]"));
    }
    return avro.getLogicalType() != null
        ? avro.getLogicalType().getName()
        : avro.getType().getName();
  }
}
