package dev.freshet.pipelines.encodings;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.RecordDecoder;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.extensions.protobuf.ProtoDomain;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The encoding of one stream's topic as its options give it: {@code --<stream>Encoding}, {@code
 * --<stream>Schema} and {@code --<stream>Message}, where the stream is {@code events} or {@code
 * outcomes}. Every check reads the schema files (on any Beam file system) and fails with an {@link
 * IllegalArgumentException} naming the option, so a launch can refuse a bad setting before it
 * connects to anything.
 *
 * <ul>
 *   <li>{@link RecordEncoding#JSON}: no schema, no message.
 *   <li>{@link RecordEncoding#AVRO}: the schema is the writer schema, an {@code .avsc} file.
 *   <li>{@link RecordEncoding#CONFLUENT_AVRO}: the schema is a directory holding the writer schema
 *       of each schema id as {@code <id>.avsc}; at least one of them must fit the spec.
 *   <li>{@link RecordEncoding#PROTOBUF}: the schema is a {@code FileDescriptorSet} file, the
 *       message the full name of a type in it.
 * </ul>
 *
 * A schema fits an {@link EventSchema} when it has every required field and each declared field it
 * has can hold the declared type.
 */
public record TopicEncoding(
    String stream, RecordEncoding encoding, @Nullable String schema, @Nullable String message)
    implements Serializable {

  public TopicEncoding {
    requireNonNull(stream, "stream");
    requireNonNull(encoding, "encoding");
    schema = schema == null || schema.isBlank() ? null : schema.trim();
    message = message == null || message.isBlank() ? null : message.trim();
  }

  /** JSON, the default of every stream. */
  public static TopicEncoding json(String stream) {
    return new TopicEncoding(stream, RecordEncoding.JSON, null, null);
  }

  public boolean isJson() {
    return encoding == RecordEncoding.JSON;
  }

  /**
   * The option of this stream called {@code name}: {@code option("Schema")} is {@code
   * --eventsSchema}.
   */
  public String option(String name) {
    return "--" + stream + name;
  }

  /**
   * Checks the options and, for a binary encoding, that its schema fits {@code schema} (the records
   * of spec {@code specName}); fails naming the option.
   */
  public void check(String specName, EventSchema schema) {
    if (isJson()) {
      requireOptions();
    } else {
      decoder(specName, schema);
    }
  }

  /**
   * The decoder of a binary encoding for {@code schema}'s records, with its schema read and
   * checked; fails naming the option.
   */
  public RecordDecoder<byte[]> decoder(String specName, EventSchema eventSchema) {
    requireOptions();
    String where = option("Schema") + "=" + schema;
    return switch (encoding) {
      case JSON -> throw new IllegalStateException("JSON records are parsed, not decoded");
      case AVRO -> {
        Schema writer = avroSchema(schema);
        requireFits(where, AvroFields.problems(writer, eventSchema, specName));
        yield new AvroDecoder(writer, where);
      }
      case CONFLUENT_AVRO -> {
        requireSomeSchemaFits(specName, eventSchema);
        yield new ConfluentAvroDecoder(schema, option("Schema"));
      }
      case PROTOBUF -> {
        ProtoDomain descriptors = descriptors();
        requireFits(
            where + " (message " + message + ")",
            ProtobufFields.problems(descriptors.getDescriptor(message), eventSchema, specName));
        yield new ProtobufDecoder(descriptors, message, where);
      }
    };
  }

  /**
   * How a producer of this encoding writes a JSON record: UTF-8 JSON, Avro binary of the writer
   * schema, the Confluent wire format with {@code schemaId} (its schema {@code <schemaId>.avsc} in
   * the directory; the id's option {@code --<stream>SchemaId}) or the Protobuf message.
   */
  public RecordEncoder encoder(@Nullable Integer schemaId) {
    requireOptions();
    if (schemaId != null && encoding != RecordEncoding.CONFLUENT_AVRO) {
      throw new IllegalArgumentException(
          option("SchemaId") + " is only for " + option("Encoding") + "=CONFLUENT_AVRO");
    }
    return switch (encoding) {
      case JSON -> json -> json.getBytes(StandardCharsets.UTF_8);
      case AVRO -> new AvroEncoder(avroSchema(schema));
      case CONFLUENT_AVRO -> {
        if (schemaId == null || schemaId < 0) {
          throw new IllegalArgumentException(
              option("Encoding")
                  + "=CONFLUENT_AVRO needs "
                  + option("SchemaId")
                  + ": the schema id to write in each record's header (its writer schema is"
                  + " <id>.avsc in "
                  + option("Schema")
                  + ")");
        }
        AvroEncoder avro =
            new AvroEncoder(avroSchema(SchemaFiles.inDirectory(schema, schemaId + ".avsc")));
        int id = schemaId;
        yield json -> ConfluentWireFormat.frame(id, avro.encode(json));
      }
      case PROTOBUF -> new ProtobufEncoder(descriptors().getDescriptor(message));
    };
  }

  /** The options' combination, before any file is read. */
  private void requireOptions() {
    if (isJson()) {
      if (schema != null) {
        throw new IllegalArgumentException(
            option("Schema")
                + " is set but "
                + option("Encoding")
                + " is JSON: set "
                + option("Encoding")
                + " to AVRO, CONFLUENT_AVRO or PROTOBUF, or leave "
                + option("Schema")
                + " out");
      }
    } else if (schema == null) {
      throw new IllegalArgumentException(
          option("Encoding") + "=" + encoding + " needs " + option("Schema") + ": " + schemaHint());
    }
    if (encoding == RecordEncoding.PROTOBUF && message == null) {
      throw new IllegalArgumentException(
          option("Encoding")
              + "=PROTOBUF needs "
              + option("Message")
              + ": the full name of the records' message type in "
              + option("Schema")
              + ", e.g. acme.payments.v1.Payment");
    }
    if (encoding != RecordEncoding.PROTOBUF && message != null) {
      throw new IllegalArgumentException(
          option("Message") + " is only for " + option("Encoding") + "=PROTOBUF, not " + encoding);
    }
  }

  private String schemaHint() {
    return switch (encoding) {
      case AVRO -> "the writer schema, an .avsc file on any Beam file system";
      case CONFLUENT_AVRO ->
          "a directory on any Beam file system holding the writer schema of each schema id as"
              + " <id>.avsc";
      case PROTOBUF ->
          "a FileDescriptorSet file made with protoc --include_imports"
              + " --descriptor_set_out=FILE your.proto";
      case JSON -> "";
    };
  }

  private byte[] read(String path) {
    try {
      return SchemaFiles.read(path);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          option("Schema") + "=" + path + " cannot be read (" + Failures.describe(e) + ")", e);
    }
  }

  private Schema avroSchema(String path) {
    byte[] text = read(path);
    try {
      return SchemaFiles.avroRecord(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option("Schema") + "=" + path + " " + e.getMessage(), e);
    }
  }

  private ProtoDomain descriptors() {
    String where = option("Schema") + "=" + schema;
    byte[] bytes = read(schema);
    FileDescriptorSet set;
    ProtoDomain domain;
    try {
      set = ProtobufDescriptors.parse(bytes);
      domain = ProtobufDescriptors.domain(set);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " " + e.getMessage(), e);
    }
    Descriptor type = domain.getDescriptor(message);
    if (type == null) {
      throw new IllegalArgumentException(
          option("Message")
              + "="
              + message
              + " is not a message type of "
              + where
              + "; it holds "
              + String.join(", ", ProtobufDescriptors.messageNames(set)));
    }
    return domain;
  }

  private void requireSomeSchemaFits(String specName, EventSchema eventSchema) {
    String where = option("Schema") + "=" + schema;
    Map<Integer, Schema> schemas;
    try {
      schemas = AvroSchemaDirectory.readAll(schema);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          where + " cannot be read (" + Failures.describe(e) + ")", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " " + e.getMessage(), e);
    }
    if (schemas.isEmpty()) {
      throw new IllegalArgumentException(
          where
              + " holds no <id>.avsc file (does the directory exist?): give "
              + schemaHint()
              + ", exported from the producers' Schema Registry");
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<Integer, Schema> e : schemas.entrySet()) {
      List<String> p = AvroFields.problems(e.getValue(), eventSchema, specName);
      if (p.isEmpty()) {
        return; // records of other ids that do not fit become dead letters
      }
      problems.add(e.getKey() + ".avsc " + String.join(" and ", p));
    }
    throw new IllegalArgumentException(
        where
            + " has no writer schema spec '"
            + specName
            + "' can read "
            + eventSchema.name()
            + " with: "
            + String.join("; ", problems));
  }

  private static void requireFits(String where, List<String> problems) {
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(where + " " + String.join("; it ", problems));
    }
  }
}
