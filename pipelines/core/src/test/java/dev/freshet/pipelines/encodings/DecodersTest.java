package dev.freshet.pipelines.encodings;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.WrappersProto;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import dev.freshet.transforms.events.RecordDecoder;
import dev.freshet.transforms.events.RecordParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.extensions.protobuf.ProtoDomain;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The decoders on records made with Avro's and Protobuf's own writers (not Freshet's encoders):
 * each Avro and Protobuf type maps to the value the JSON rules expect, presence follows Protobuf,
 * and every kind of broken record is a failure with its reason, never an exception.
 */
public class DecodersTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** A schema exercising every field type and role. */
  private static final EventSchema EVENTS =
      EventSchema.builder("events")
          .id("event_id")
          .time("at")
          .type("kind", "PAYMENT")
          .required("count", FieldType.LONG)
          .required("ratio", FieldType.DOUBLE)
          .optional("note", FieldType.STRING)
          .optional("flag", FieldType.BOOLEAN)
          .build();

  private static final RecordParser PARSER = new RecordParser(EVENTS);

  private static final Schema AVRO =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Event", "namespace": "test", "fields": [
                {"name": "event_id", "type": "string"},
                {"name": "kind", "type": {"type": "enum", "name": "Kind",
                  "symbols": ["PAYMENT", "REFUND"]}},
                {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                {"name": "count", "type": "int"},
                {"name": "ratio", "type": "float"},
                {"name": "note", "type": ["null", "string"], "default": null},
                {"name": "flag", "type": ["null", "boolean"], "default": null}
              ]}
              """);

  private static final long AT_MICROS = 1_767_600_000_123_456L;

  private static GenericRecord avroEvent(String id, String kind) {
    return new GenericRecordBuilder(AVRO)
        .set("event_id", id)
        .set("kind", new GenericData.EnumSymbol(AVRO.getField("kind").schema(), kind))
        .set("at", AT_MICROS)
        .set("count", 7)
        .set("ratio", 0.5f)
        .set("flag", true)
        .build();
  }

  private static byte[] avroBytes(GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static <T extends RecordDecoder<byte[]>> T ready(T decoder) throws IOException {
    decoder.setup();
    return decoder;
  }

  @Test
  public void avroTypesBecomeTheValuesOfTheJsonRules() throws Exception {
    AvroDecoder decoder = ready(new AvroDecoder(AVRO, "--eventsSchema=events.avsc"));
    RecordParser.Result result = decoder.decode(avroBytes(avroEvent("e1", "PAYMENT")), PARSER);

    assertThat(result.ok()).as(result.detail()).isTrue();
    Row row = result.row();
    assertThat(row.getString("event_id")).isEqualTo("e1");
    assertThat(row.getString("kind")).isEqualTo("PAYMENT");
    // timestamp-micros: divided by 1000, rounded down.
    assertThat(row.getDateTime("at").getMillis()).isEqualTo(1_767_600_000_123L);
    assertThat(row.getInt64("count")).isEqualTo(7L);
    assertThat(row.getDouble("ratio")).isEqualTo(0.5);
    assertThat(row.getString("note")).isNull();
    assertThat(row.getBoolean("flag")).isTrue();
  }

  @Test
  public void avroRecordsBreakTheParsersRulesAsJsonDoes() throws Exception {
    AvroDecoder decoder = ready(new AvroDecoder(AVRO, "--eventsSchema=events.avsc"));
    RecordParser.Result refund = decoder.decode(avroBytes(avroEvent("e2", "REFUND")), PARSER);
    assertThat(refund.reason()).isEqualTo(DeadLetterReason.UNKNOWN_EVENT_TYPE);
    assertThat(refund.detail()).contains("'REFUND'");
  }

  @Test
  public void bytesThatAreNoRecordOfTheWriterSchemaAreUndecodable() throws Exception {
    AvroDecoder decoder = ready(new AvroDecoder(AVRO, "--eventsSchema=events.avsc"));
    byte[] valid = avroBytes(avroEvent("e1", "PAYMENT"));

    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 3);
    assertUndecodable(decoder.decode(truncated, PARSER), "test.Event", "--eventsSchema");

    byte[] leftover = ByteBuffer.allocate(valid.length + 4).put(valid).putInt(42).array();
    assertUndecodable(decoder.decode(leftover, PARSER), "4 bytes left");

    // event_id's length as 2^30 (zigzag varint): refused, not allocated.
    byte[] hugeLength = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
    assertUndecodable(decoder.decode(hugeLength, PARSER), "corrupt data");

    assertUndecodable(decoder.decode(new byte[0], PARSER), "EOFException");
  }

  @Test
  public void confluentRecordsAreReadWithTheSchemaOfTheirId() throws Exception {
    Path dir = tmp.newFolder("schemas").toPath();
    Files.writeString(dir.resolve("7.avsc"), AVRO.toString());
    ConfluentAvroDecoder decoder =
        ready(new ConfluentAvroDecoder(dir.toString(), "--eventsSchema"));
    byte[] avro = avroBytes(avroEvent("e1", "PAYMENT"));

    // The wire format by hand: magic byte 0, id 7 as 4 bytes big-endian, the Avro record.
    byte[] framed = ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(7).put(avro).array();
    assertThat(framed).isEqualTo(ConfluentWireFormat.frame(7, avro));
    RecordParser.Result ok = decoder.decode(framed, PARSER);
    assertThat(ok.ok()).as(ok.detail()).isTrue();
    assertThat(ok.row().getString("event_id")).isEqualTo("e1");

    RecordParser.Result unknown = decoder.decode(ConfluentWireFormat.frame(8, avro), PARSER);
    assertThat(unknown.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(unknown.detail())
        .contains("schema id 8")
        .contains("no 8.avsc")
        .contains("--eventsSchema=" + dir);

    byte[] wrongMagic = framed.clone();
    wrongMagic[0] = 1;
    assertUndecodable(decoder.decode(wrongMagic, PARSER), "first byte is 0x01", "magic byte 0");
    assertUndecodable(
        decoder.decode("{\"event_id\":\"e1\"}".getBytes(), PARSER), "looks like JSON");
    assertUndecodable(decoder.decode(new byte[] {0, 0, 0}, PARSER), "3 bytes", "5-byte header");
    assertUndecodable(
        decoder.decode(ConfluentWireFormat.frame(7, new byte[] {2}), PARSER), "schema id 7");
  }

  @Test
  public void aSchemaAddedToTheDirectoryIsReadTheFirstTimeItsIdIsSeen() throws Exception {
    Path dir = tmp.newFolder("late").toPath();
    Files.writeString(dir.resolve("1.avsc"), AVRO.toString());
    ConfluentAvroDecoder decoder =
        ready(new ConfluentAvroDecoder(dir.toString(), "--eventsSchema"));
    Files.writeString(dir.resolve("2.avsc"), AVRO.toString());
    Files.writeString(dir.resolve("3.avsc"), "not a schema");
    byte[] avro = avroBytes(avroEvent("e1", "PAYMENT"));

    assertThat(decoder.decode(ConfluentWireFormat.frame(2, avro), PARSER).ok()).isTrue();
    RecordParser.Result broken = decoder.decode(ConfluentWireFormat.frame(3, avro), PARSER);
    assertThat(broken.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA);
    assertThat(broken.detail()).contains("3.avsc is not an Avro schema");
  }

  @Test
  public void binaryRecordsOverTheSizeLimitAreOversized() throws Exception {
    AvroDecoder decoder = ready(new AvroDecoder(AVRO, "--eventsSchema=events.avsc"));
    byte[] big = new byte[EVENTS.maxRecordBytes() + 1];
    assertThat(decoder.decode(big, PARSER).reason()).isEqualTo(DeadLetterReason.OVERSIZED);
  }

  @Test
  public void deadLettersKeepBinaryPayloadsAsBase64CutToTheLimit() throws Exception {
    AvroDecoder decoder = ready(new AvroDecoder(AVRO, "--eventsSchema=events.avsc"));
    byte[] small = {0, 1, 2, (byte) 0xff};
    assertThat(Base64.getDecoder().decode(decoder.payload(small))).isEqualTo(small);

    byte[] big = new byte[100_000];
    new java.util.Random(1).nextBytes(big);
    String kept = decoder.payload(big);
    assertThat(kept).hasSize(DeadLetter.MAX_PAYLOAD_CHARS);
    assertThat(Base64.getDecoder().decode(kept))
        .isEqualTo(java.util.Arrays.copyOf(big, BinaryPayload.MAX_BYTES));
  }

  @Test
  public void protobufPresenceFollowsProtobuf() throws Exception {
    EventSchema payments =
        EventSchema.builder("payments")
            .id("event_id")
            .time("event_time")
            .type("event_type", "payment")
            .required("card_id", FieldType.STRING)
            .optional("city", FieldType.STRING)
            .required("amount", FieldType.DOUBLE)
            .build();
    RecordParser parser = new RecordParser(payments);
    ProtoDomain domain =
        ProtobufDescriptors.domain(
            ProtobufDescriptors.parse(Files.readAllBytes(TestDataFiles.fraudProtoDescriptors())));
    Descriptor payment = domain.getDescriptor(TestDataFiles.FRAUD_PAYMENT_MESSAGE);
    ProtobufDecoder decoder =
        ready(new ProtobufDecoder(domain, TestDataFiles.FRAUD_PAYMENT_MESSAGE, "--eventsSchema=f"));
    DynamicMessage.Builder b =
        DynamicMessage.newBuilder(payment)
            .setField(payment.findFieldByName("event_id"), "p1")
            .setField(payment.findFieldByName("event_type"), "payment")
            .setField(
                payment.findFieldByName("event_time"),
                Timestamp.newBuilder().setSeconds(1_767_600_000L).setNanos(123_999_999).build())
            .setField(payment.findFieldByName("card_id"), "c1");

    // amount: a proto3 scalar without presence, unset, is present with its default;
    // city: proto3 optional, unset, is missing.
    RecordParser.Result ok = decoder.decode(b.build().toByteArray(), parser);
    assertThat(ok.ok()).as(ok.detail()).isTrue();
    assertThat(ok.row().getDouble("amount")).isEqualTo(0.0);
    assertThat(ok.row().getString("city")).isNull();
    assertThat(ok.row().getDateTime("event_time").getMillis()).isEqualTo(1_767_600_000_123L);

    b.setField(payment.findFieldByName("city"), "");
    assertThat(decoder.decode(b.build().toByteArray(), parser).row().getString("city")).isEmpty();

    // event_time: a message field, unset, is missing.
    b.clearField(payment.findFieldByName("event_time"));
    RecordParser.Result missing = decoder.decode(b.build().toByteArray(), parser);
    assertThat(missing.reason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
    assertThat(missing.detail()).contains("event_time");

    // Field 1 (event_id) says 16 bytes follow; one does.
    assertUndecodable(
        decoder.decode(new byte[] {0x0a, 0x10, 'a'}, parser),
        "freshet.fraud.Payment",
        "--eventsSchema=f");
  }

  @Test
  public void protobufTypesBecomeTheValuesOfTheJsonRules() throws Exception {
    Descriptor event = testMessage();
    ProtobufDecoder decoder =
        ready(new ProtobufDecoder(ProtoDomain.buildFrom(event), "t.Event", "f"));
    EventSchema schema =
        EventSchema.builder("events")
            .id("event_id")
            .time("at")
            .type("kind", "PAYMENT")
            .required("count", FieldType.LONG)
            .optional("big", FieldType.DOUBLE)
            .optional("amount", FieldType.DOUBLE)
            .optional("tags", FieldType.STRING)
            .build();
    RecordParser parser = new RecordParser(schema);
    DynamicMessage.Builder b =
        DynamicMessage.newBuilder(event)
            .setField(event.findFieldByName("event_id"), "e1")
            .setField(
                event.findFieldByName("kind"),
                event.findFieldByName("kind").getEnumType().findValueByName("PAYMENT"))
            .setField(event.findFieldByName("at"), 1_767_600_000_123L)
            .setField(event.findFieldByName("count"), -1) // uint32 4294967295
            .setField(event.findFieldByName("big"), -1L) // uint64 2^64 - 1
            .setField(event.findFieldByName("amount"), DoubleValue.of(2.5));

    RecordParser.Result ok = decoder.decode(b.build().toByteArray(), parser);
    assertThat(ok.ok()).as(ok.detail()).isTrue();
    assertThat(ok.row().getString("kind")).isEqualTo("PAYMENT");
    assertThat(ok.row().getDateTime("at").toInstant()).isEqualTo(new Instant(1_767_600_000_123L));
    assertThat(ok.row().getInt64("count")).isEqualTo(4_294_967_295L);
    assertThat(ok.row().getDouble("big")).isEqualTo(1.8446744073709552E19);
    assertThat(ok.row().getDouble("amount")).isEqualTo(2.5);
    assertThat(ok.row().getString("tags")).isNull(); // an empty repeated field: a list, unset

    b.addRepeatedField(event.findFieldByName("tags"), "x");
    assertThat(decoder.decode(b.build().toByteArray(), parser).reason())
        .isEqualTo(DeadLetterReason.WRONG_TYPE);
  }

  /** A proto3 message with an enum, unsigned integers, a wrapper and a repeated field. */
  static Descriptor testMessage() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("t.proto")
            .setPackage("t")
            .setSyntax("proto3")
            .addDependency("google/protobuf/wrappers.proto")
            .addEnumType(
                EnumDescriptorProto.newBuilder()
                    .setName("Kind")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("PAYMENT").setNumber(0))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("REFUND").setNumber(1)))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("Event")
                    .addField(field("event_id", 1, FieldDescriptorProto.Type.TYPE_STRING))
                    .addField(
                        field("kind", 2, FieldDescriptorProto.Type.TYPE_ENUM)
                            .setTypeName(".t.Kind"))
                    .addField(field("at", 3, FieldDescriptorProto.Type.TYPE_INT64))
                    .addField(field("count", 4, FieldDescriptorProto.Type.TYPE_UINT32))
                    .addField(field("big", 5, FieldDescriptorProto.Type.TYPE_UINT64))
                    .addField(
                        field("amount", 6, FieldDescriptorProto.Type.TYPE_MESSAGE)
                            .setTypeName(".google.protobuf.DoubleValue"))
                    .addField(
                        field("tags", 7, FieldDescriptorProto.Type.TYPE_STRING)
                            .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)))
            .build();
    return FileDescriptor.buildFrom(file, new FileDescriptor[] {WrappersProto.getDescriptor()})
        .findMessageTypeByName("Event");
  }

  private static FieldDescriptorProto.Builder field(
      String name, int number, FieldDescriptorProto.Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type);
  }

  private static void assertUndecodable(RecordParser.Result result, String... detailParts) {
    assertThat(result.ok()).isFalse();
    assertThat(result.reason()).as(result.detail()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(result.detail()).contains(detailParts);
  }
}
