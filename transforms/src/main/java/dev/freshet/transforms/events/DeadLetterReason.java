package dev.freshet.transforms.events;

/** Why a record could not be used. Stable names: they appear in dead-letter records and metrics. */
public enum DeadLetterReason {
  /** The payload of a JSON topic or file is not a JSON object (or not decodable as UTF-8 JSON). */
  MALFORMED_JSON,
  /**
   * The bytes of a binary record (Avro, Confluent wire format, Protobuf) are not a record of the
   * topic's declared encoding and schema: truncated or corrupt bytes, bytes left over after the
   * record, or a first byte that is not the Confluent wire format's magic byte 0.
   */
  UNDECODABLE,
  /**
   * A Confluent wire-format record names a schema id whose writer schema Freshet does not have (no
   * {@code <id>.avsc} in the schema directory).
   */
  UNKNOWN_SCHEMA,
  /** A required field is absent or null. */
  MISSING_FIELD,
  /** A field holds a value of the wrong type (a string where a number is declared, say). */
  WRONG_TYPE,
  /** The event-type field holds a type the schema does not list. */
  UNKNOWN_EVENT_TYPE,
  /** The serialized record is larger than the schema's limit. */
  OVERSIZED,
  /** An outcome arrived after its event's label window had closed (the timeout label stands). */
  OUTCOME_AFTER_TIMEOUT,
  /** A second outcome for an event that is already labelled. */
  DUPLICATE_OUTCOME,
  /** An outcome whose event never arrived. */
  ORPHAN_OUTCOME,
  /** A second event with an id already seen. */
  DUPLICATE_EVENT,
  /** A logged prediction made with another feature spec than the one its reader computes. */
  SPEC_MISMATCH
}
