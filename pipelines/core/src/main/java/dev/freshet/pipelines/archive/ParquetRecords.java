package dev.freshet.pipelines.archive;

import org.apache.avro.Schema.Field;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;

/**
 * The Parquet (Avro) schema of an archived stream, derived from its Beam schema, and the conversion
 * of rows to Avro records at write time.
 *
 * <p>Field names and types follow the feature spec: strings, {@code long}, {@code double}, {@code
 * boolean}, and timestamps as {@code long} with the {@code timestamp-millis} logical type; optional
 * fields are unions with {@code null}. That is the format {@code EventFiles} reads and parses with
 * the spec's own parser, so {@code train} reads archived files as it reads any Parquet input.
 * Records stay Beam rows (with their deterministic schema coder) until the writer converts them.
 */
public final class ParquetRecords {
  static final String NAMESPACE = "dev.freshet.archive";

  private ParquetRecords() {}

  /**
   * The Avro schema of {@code beamSchema} as a record called {@code name} (made a valid Avro name);
   * fails naming the field when a field name is not a valid Avro name.
   */
  public static org.apache.avro.Schema avroSchema(Schema beamSchema, String name) {
    for (Schema.Field f : beamSchema.getFields()) {
      if (!f.getName().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            "field '"
                + f.getName()
                + "' of '"
                + name
                + "' cannot be a Parquet/Avro column name (letters, digits and _ only, not first a"
                + " digit)");
      }
    }
    try {
      org.apache.avro.Schema schema =
          AvroUtils.toAvroSchema(beamSchema, recordName(name), NAMESPACE);
      for (Field f : schema.getFields()) {
        f.schema(); // resolved eagerly: a bad type fails here, not in a worker
      }
      return schema;
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException(
          "stream '" + name + "' has no Parquet schema: " + e.getMessage(), e);
    }
  }

  /** {@code name} with every character that Avro does not allow in a record name replaced. */
  static String recordName(String name) {
    String cleaned = name.replaceAll("[^A-Za-z0-9_]", "_");
    return Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
  }

  /** Converts rows of {@code beamSchema} to Avro records of {@link #avroSchema}. */
  public static Contextful<Contextful.Fn<Row, GenericRecord>> toAvro(
      Schema beamSchema, String name) {
    return Contextful.fn(new ToAvro(beamSchema, name));
  }

  /** Holds the Beam schema (serializable) and builds the Avro schema once per instance. */
  private static final class ToAvro implements SerializableFunction<Row, GenericRecord> {
    private final Schema beamSchema;
    private final String name;
    private transient org.apache.avro.Schema avro;

    ToAvro(Schema beamSchema, String name) {
      this.beamSchema = beamSchema;
      this.name = name;
    }

    @Override
    public GenericRecord apply(Row row) {
      if (avro == null) {
        avro = avroSchema(beamSchema, name);
      }
      return AvroUtils.toGenericRecord(row, avro);
    }
  }
}
