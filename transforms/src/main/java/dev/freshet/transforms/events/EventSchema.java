package dev.freshet.transforms.events;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;

/**
 * The shape of one record stream (events or outcomes): its fields and their types, which field is
 * the record id, which holds the event time, and (for events) which holds the event type and which
 * types are known.
 *
 * <p>Records are parsed into Beam {@link org.apache.beam.sdk.values.Row}s of {@link #beamSchema()},
 * whose coder is deterministic. Fields not declared here are ignored when parsing, so producers may
 * add fields without breaking consumers.
 */
public final class EventSchema implements Serializable {
  /** Default upper bound on the size of one serialized record. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

  /** One declared field. */
  public record Field(String name, FieldType type, boolean required) implements Serializable {
    public Field {
      requireNonNull(name, "name");
      requireNonNull(type, "type");
    }
  }

  private final String name;
  private final List<Field> fields;
  private final String idField;
  private final String timeField;
  private final String typeField;
  private final Set<String> knownTypes;
  private final String labelField;
  private final int maxRecordBytes;
  private final Schema beamSchema;

  private EventSchema(Builder b) {
    this.name = b.name;
    this.fields = List.copyOf(b.fields.values());
    this.idField = b.idField;
    this.timeField = b.timeField;
    this.typeField = b.typeField;
    this.knownTypes = Collections.unmodifiableSet(new LinkedHashSet<>(b.knownTypes));
    this.labelField = b.labelField;
    this.maxRecordBytes = b.maxRecordBytes;
    Schema.Builder schema = Schema.builder();
    for (Field f : fields) {
      schema.addField(Schema.Field.of(f.name(), f.type().beamType()).withNullable(!f.required()));
    }
    this.beamSchema = schema.build();
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public List<Field> fields() {
    return fields;
  }

  /** The declared field called {@code fieldName}, or an exception naming the known fields. */
  public Field field(String fieldName) {
    for (Field f : fields) {
      if (f.name().equals(fieldName)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "Schema '" + name + "' has no field '" + fieldName + "'; its fields are " + fieldNames());
  }

  public boolean hasField(String fieldName) {
    return fields.stream().anyMatch(f -> f.name().equals(fieldName));
  }

  public List<String> fieldNames() {
    List<String> names = new ArrayList<>();
    fields.forEach(f -> names.add(f.name()));
    return names;
  }

  public String idField() {
    return idField;
  }

  public String timeField() {
    return timeField;
  }

  /** The event-type field, or {@code null} when the stream has a single, implicit type. */
  public String typeField() {
    return typeField;
  }

  public Set<String> knownTypes() {
    return knownTypes;
  }

  /** The outcome's label field (boolean or numeric 0/1), or {@code null} for event streams. */
  public String labelField() {
    return labelField;
  }

  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  public Schema beamSchema() {
    return beamSchema;
  }

  /** A canonical description of the schema, hashed into feature-spec fingerprints. */
  public Map<String, Object> canonicalForm() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    List<String> fs = new ArrayList<>();
    fields.forEach(f -> fs.add(f.name() + ":" + f.type() + (f.required() ? "!" : "?")));
    m.put("fields", fs);
    m.put("id", idField);
    m.put("time", timeField);
    m.put("type", typeField);
    m.put("types", new ArrayList<>(knownTypes));
    m.put("label", labelField);
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventSchema other && canonicalForm().equals(other.canonicalForm());
  }

  @Override
  public int hashCode() {
    return canonicalForm().hashCode();
  }

  @Override
  public String toString() {
    return "EventSchema" + canonicalForm();
  }

  /** Builds an {@link EventSchema}; {@link #build()} checks that the roles name real fields. */
  public static final class Builder {
    private final String name;
    private final Map<String, Field> fields = new LinkedHashMap<>();
    private String idField;
    private String timeField;
    private String typeField;
    private final List<String> knownTypes = new ArrayList<>();
    private String labelField;
    private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;

    private Builder(String name) {
      this.name = requireNonNull(name, "name");
    }

    /** Declares a field; required fields must be present and non-null in every record. */
    public Builder field(String fieldName, FieldType type, boolean required) {
      if (fields.put(fieldName, new Field(fieldName, type, required)) != null) {
        throw new IllegalArgumentException(
            "Schema '" + name + "' declares field '" + fieldName + "' twice");
      }
      return this;
    }

    public Builder required(String fieldName, FieldType type) {
      return field(fieldName, type, true);
    }

    public Builder optional(String fieldName, FieldType type) {
      return field(fieldName, type, false);
    }

    /** The record id (a required string field, declared here if not yet declared). */
    public Builder id(String fieldName) {
      this.idField = fieldName;
      fields.putIfAbsent(fieldName, new Field(fieldName, FieldType.STRING, true));
      return this;
    }

    /** The event time (a required timestamp field, declared here if not yet declared). */
    public Builder time(String fieldName) {
      this.timeField = fieldName;
      fields.putIfAbsent(fieldName, new Field(fieldName, FieldType.TIMESTAMP, true));
      return this;
    }

    /** The event-type field and the types it may hold; records of other types are dead letters. */
    public Builder type(String fieldName, String... types) {
      this.typeField = fieldName;
      fields.putIfAbsent(fieldName, new Field(fieldName, FieldType.STRING, true));
      knownTypes.addAll(List.of(types));
      return this;
    }

    /** The label field of an outcome stream (boolean, or a number where non-zero is positive). */
    public Builder label(String fieldName) {
      this.labelField = fieldName;
      fields.putIfAbsent(fieldName, new Field(fieldName, FieldType.BOOLEAN, true));
      return this;
    }

    public Builder maxRecordBytes(int bytes) {
      this.maxRecordBytes = bytes;
      return this;
    }

    public EventSchema build() {
      if (idField == null) {
        throw new IllegalArgumentException("Schema '" + name + "' needs an id field");
      }
      if (timeField == null) {
        throw new IllegalArgumentException("Schema '" + name + "' needs a time field");
      }
      checkRole("id", idField, FieldType.STRING);
      checkRole("time", timeField, FieldType.TIMESTAMP);
      if (typeField != null) {
        checkRole("type", typeField, FieldType.STRING);
        if (knownTypes.isEmpty()) {
          throw new IllegalArgumentException(
              "Schema '" + name + "' has a type field but lists no known types");
        }
      }
      if (labelField != null) {
        Field label = fields.get(labelField);
        if (label.type() != FieldType.BOOLEAN && !label.type().isNumeric()) {
          throw new IllegalArgumentException(
              "Label field '" + labelField + "' must be boolean or numeric, not " + label.type());
        }
      }
      if (maxRecordBytes <= 0) {
        throw new IllegalArgumentException("maxRecordBytes must be positive: " + maxRecordBytes);
      }
      return new EventSchema(this);
    }

    private void checkRole(String role, String fieldName, FieldType expected) {
      Field f = fields.get(fieldName);
      if (f.type() != expected || !f.required()) {
        throw new IllegalArgumentException(
            "The "
                + role
                + " field '"
                + fieldName
                + "' of schema '"
                + name
                + "' must be a required "
                + expected.name().toLowerCase(java.util.Locale.ROOT)
                + " field");
      }
    }
  }
}
