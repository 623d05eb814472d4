package dev.freshet.transforms.events;

import org.apache.beam.sdk.schemas.Schema;

/** The value types an event field may have, with their Beam schema equivalents. */
public enum FieldType {
  STRING(Schema.FieldType.STRING),
  LONG(Schema.FieldType.INT64),
  DOUBLE(Schema.FieldType.DOUBLE),
  BOOLEAN(Schema.FieldType.BOOLEAN),
  /** An instant: an ISO-8601 string such as {@code 2026-01-05T08:00:00Z} or epoch milliseconds. */
  TIMESTAMP(Schema.FieldType.DATETIME);

  private final Schema.FieldType beamType;

  FieldType(Schema.FieldType beamType) {
    this.beamType = beamType;
  }

  public Schema.FieldType beamType() {
    return beamType;
  }

  /** Whether values of this type can feed numeric aggregations (SUM, MEAN, MIN, MAX, LAST). */
  public boolean isNumeric() {
    return this == LONG || this == DOUBLE;
  }

  /** Parses a type name as written in a spec file ({@code string}, {@code double}, ...). */
  public static FieldType parse(String name) {
    for (FieldType type : values()) {
      if (type.name().equalsIgnoreCase(name)) {
        return type;
      }
    }
    if ("int".equalsIgnoreCase(name) || "int64".equalsIgnoreCase(name)) {
      return LONG;
    }
    throw new IllegalArgumentException(
        "Unknown field type '" + name + "': use one of string, long, double, boolean, timestamp");
  }
}
