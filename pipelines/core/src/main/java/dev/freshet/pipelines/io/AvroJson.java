package dev.freshet.pipelines.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Renders a flat Avro record (as read from Parquet) as the JSON object Freshet parses, so files and
 * Kafka share one parser and one set of dead-letter rules. Timestamps become epoch milliseconds.
 */
public final class AvroJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AvroJson() {}

  public static String toJson(GenericRecord record) {
    ObjectNode node = JSON.createObjectNode();
    for (Schema.Field field : record.getSchema().getFields()) {
      Object value = record.get(field.pos());
      String name = field.name();
      Schema schema = nonNull(field.schema());
      if (value == null) {
        node.putNull(name);
      } else if (value instanceof CharSequence || value instanceof Enum<?>) {
        node.put(name, value.toString());
      } else if (value instanceof Long l) {
        node.put(name, isMicros(schema.getLogicalType()) ? Math.floorDiv(l, 1000L) : l);
      } else if (value instanceof Integer i) {
        node.put(name, i);
      } else if (value instanceof Double d) {
        node.put(name, d);
      } else if (value instanceof Float f) {
        node.put(name, f);
      } else if (value instanceof Boolean b) {
        node.put(name, b);
      } else if (value instanceof ByteBuffer bytes) {
        node.put(name, Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        node.put(name, value.toString());
      }
    }
    return node.toString();
  }

  private static boolean isMicros(LogicalType type) {
    return type != null && type.getName().endsWith("timestamp-micros");
  }

  private static Schema nonNull(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema s : schema.getTypes()) {
        if (s.getType() != Schema.Type.NULL) {
          return s;
        }
      }
    }
    return schema;
  }
}
