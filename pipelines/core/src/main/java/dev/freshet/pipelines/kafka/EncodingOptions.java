package dev.freshet.pipelines.kafka;

import dev.freshet.pipelines.encodings.RecordEncoding;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How the records of the {@code events} and {@code outcomes} topics are encoded, so that Freshet
 * reads what a platform's producers already write (see {@link
 * dev.freshet.pipelines.encodings.TopicEncoding} and docs/kafka.md). Predictions, dead letters and
 * model events are always JSON.
 */
public interface EncodingOptions extends PipelineOptions {
  @Description(
      "How the records of --eventsTopic are encoded: JSON (one JSON object, UTF-8), AVRO (Avro"
          + " binary, every record written with the writer schema --eventsSchema), CONFLUENT_AVRO"
          + " (Confluent Schema Registry wire format: magic byte 0, 4-byte schema id, Avro binary;"
          + " writer schemas from --eventsSchema) or PROTOBUF (the message --eventsMessage of"
          + " --eventsSchema).")
  @Default.Enum("JSON")
  RecordEncoding getEventsEncoding();

  void setEventsEncoding(RecordEncoding value);

  @Description(
      "Schema of the events, on any Beam file system (local, gs://): for AVRO the writer schema"
          + " (.avsc); for CONFLUENT_AVRO a directory holding each schema id's writer schema as"
          + " <id>.avsc; for PROTOBUF a FileDescriptorSet (protoc --include_imports"
          + " --descriptor_set_out=FILE). None for JSON.")
  String getEventsSchema();

  void setEventsSchema(String value);

  @Description(
      "For --eventsEncoding=PROTOBUF: the full name of the events' message type in --eventsSchema,"
          + " e.g. acme.payments.v1.Payment.")
  String getEventsMessage();

  void setEventsMessage(String value);

  @Description(
      "How the records of --outcomesTopic are encoded: JSON, AVRO, CONFLUENT_AVRO or PROTOBUF, as"
          + " for --eventsEncoding, with --outcomesSchema and --outcomesMessage.")
  @Default.Enum("JSON")
  RecordEncoding getOutcomesEncoding();

  void setOutcomesEncoding(RecordEncoding value);

  @Description(
      "Schema of the outcomes, on any Beam file system: an .avsc file (AVRO), a directory of"
          + " <id>.avsc files (CONFLUENT_AVRO) or a FileDescriptorSet (PROTOBUF). None for JSON.")
  String getOutcomesSchema();

  void setOutcomesSchema(String value);

  @Description(
      "For --outcomesEncoding=PROTOBUF: the full name of the outcomes' message type in"
          + " --outcomesSchema.")
  String getOutcomesMessage();

  void setOutcomesMessage(String value);
}
