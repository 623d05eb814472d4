package dev.freshet.transforms.events;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns one encoded record (Avro or Protobuf bytes, say) into the values of a schema's fields and
 * hands them to {@link RecordParser#parse(RecordParser.FieldSource)}, so that type rules, required
 * fields, event types and dead-letter reasons are those of JSON. {@link DecodeEvents} runs it in a
 * pipeline. Implementations live next to their format's library (Freshet's Avro and Protobuf
 * decoders are in {@code freshet-pipelines}), which keeps this module on Beam core only.
 *
 * <p>A decoder is serialized into the job graph: it carries what it needs (a schema's text, a
 * descriptor set, a directory's path) and loads the rest in {@link #setup()}.
 *
 * @param <T> what a record arrives as, e.g. {@code byte[]} from Kafka
 */
public interface RecordDecoder<T> extends Serializable {
  /**
   * Loads what decoding needs (schemas, descriptors) on the worker; called once per {@link
   * DecodeEvents} step instance before its first record. Failing here fails the worker, not a
   * record: it is for the decoder's own configuration being unreadable.
   */
  default void setup() throws IOException {}

  /**
   * The row of {@code record}, or the reason there is none: undecodable bytes and every rule of
   * {@code parser} end as a failed {@link RecordParser.Result}, never as an exception.
   */
  RecordParser.Result decode(T record, RecordParser parser);

  /**
   * {@code record} as the text a dead letter keeps (binary records: base64), at most {@link
   * DeadLetter#MAX_PAYLOAD_CHARS} characters.
   */
  String payload(T record);
}
