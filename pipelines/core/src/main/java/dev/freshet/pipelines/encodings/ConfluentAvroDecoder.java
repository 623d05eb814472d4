package dev.freshet.pipelines.encodings;

import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.RecordDecoder;
import dev.freshet.transforms.events.RecordParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Decodes {@link RecordEncoding#CONFLUENT_AVRO} records: the {@link ConfluentWireFormat} header,
 * then Avro binary written with the schema of the header's id, from a {@link AvroSchemaDirectory}
 * read on the worker. A missing or wrong header or bytes that are not a record of the id's schema
 * are {@link DeadLetterReason#UNDECODABLE}; an id without a schema is {@link
 * DeadLetterReason#UNKNOWN_SCHEMA}.
 */
final class ConfluentAvroDecoder implements RecordDecoder<byte[]> {
  private final String directory;
  private final String option;
  private transient AvroSchemaDirectory schemas;
  private transient Map<Integer, AvroBinary> readers;

  /** {@code option} names the directory's option in dead letters, e.g. {@code --eventsSchema}. */
  ConfluentAvroDecoder(String directory, String option) {
    this.directory = directory;
    this.option = option;
  }

  @Override
  public void setup() throws IOException {
    schemas = AvroSchemaDirectory.open(directory);
    readers = new HashMap<>();
  }

  @Override
  public RecordParser.Result decode(byte[] record, RecordParser parser) {
    RecordParser.Result oversized = parser.oversized(record.length);
    if (oversized != null) {
      return oversized;
    }
    String headerProblem = ConfluentWireFormat.headerProblem(record);
    if (headerProblem != null) {
      return RecordParser.Result.failure(DeadLetterReason.UNDECODABLE, headerProblem);
    }
    int id = ConfluentWireFormat.schemaId(record);
    AvroBinary reader = readers.get(id);
    if (reader == null) {
      AvroSchemaDirectory.Lookup lookup = schemas.schema(id);
      if (lookup.schema() == null) {
        return RecordParser.Result.failure(
            DeadLetterReason.UNKNOWN_SCHEMA,
            "schema id "
                + id
                + " has no writer schema: "
                + lookup.problem()
                + " in "
                + option
                + "="
                + directory
                + " (add the producer's schema there as "
                + id
                + ".avsc)");
      }
      reader = new AvroBinary(lookup.schema());
      readers.put(id, reader);
    }
    GenericRecord decoded;
    try {
      decoded = reader.read(record, ConfluentWireFormat.HEADER_BYTES);
    } catch (IOException | RuntimeException e) {
      return RecordParser.Result.failure(
          DeadLetterReason.UNDECODABLE,
          "not an Avro record of schema id "
              + id
              + " ("
              + reader.writer().getFullName()
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
