package dev.freshet.pipelines.encodings;

import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.RecordDecoder;
import dev.freshet.transforms.events.RecordParser;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes {@link RecordEncoding#AVRO} records: Avro binary written with one writer schema, which
 * travels with the decoder (its JSON text). Bytes that are not one complete record of that schema
 * are {@link DeadLetterReason#UNDECODABLE}.
 */
final class AvroDecoder implements RecordDecoder<byte[]> {
  private final String writerSchema;
  private final String where;
  private transient AvroBinary reader;

  /** {@code where} names the schema's origin in dead letters, e.g. {@code --eventsSchema=...}. */
  AvroDecoder(Schema writerSchema, String where) {
    this.writerSchema = writerSchema.toString();
    this.where = where;
  }

  @Override
  public void setup() {
    reader = new AvroBinary(new Schema.Parser().parse(writerSchema));
  }

  @Override
  public RecordParser.Result decode(byte[] record, RecordParser parser) {
    RecordParser.Result oversized = parser.oversized(record.length);
    if (oversized != null) {
      return oversized;
    }
    GenericRecord decoded;
    try {
      decoded = reader.read(record, 0);
    } catch (IOException | RuntimeException e) {
      return RecordParser.Result.failure(
          DeadLetterReason.UNDECODABLE,
          "not an Avro record of "
              + reader.writer().getFullName()
              + " (the writer schema in "
              + where
              + "): "
              + Failures.describe(e));
    }
    return parser.parse(AvroFields.of(decoded));
  }

  @Override
  public String payload(byte[] record) {
    return BinaryPayload.base64(record);
  }
}
