package dev.freshet.pipelines.encodings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import dev.freshet.pipelines.Domain;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Every wrong encoding setting fails before a job starts, naming the option and saying what to
 * give; the committed fixtures fit the fraud spec.
 */
public class TopicEncodingTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static FeatureSpec spec;
  private static String paymentsAvsc;
  private static String chargebacksAvsc;
  private static String descriptors;

  @BeforeClass
  public static void loadSpec() throws Exception {
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    paymentsAvsc = TestDataFiles.fraudPaymentsAvroSchema().toString();
    chargebacksAvsc = TestDataFiles.fraudChargebacksAvroSchema().toString();
    descriptors = TestDataFiles.fraudProtoDescriptors().toString();
  }

  private static TopicEncoding events(RecordEncoding encoding, String schema, String message) {
    return new TopicEncoding("events", encoding, schema, message);
  }

  private static void checkEvents(TopicEncoding encoding) {
    encoding.check(spec.name(), spec.events());
  }

  @Test
  public void theCommittedFixturesFitTheFraudSpec() throws Exception {
    checkEvents(events(RecordEncoding.AVRO, paymentsAvsc, null));
    checkEvents(events(RecordEncoding.PROTOBUF, descriptors, TestDataFiles.FRAUD_PAYMENT_MESSAGE));
    TopicEncoding outcomes =
        new TopicEncoding(
            "outcomes",
            RecordEncoding.PROTOBUF,
            descriptors,
            TestDataFiles.FRAUD_CHARGEBACK_MESSAGE);
    outcomes.check(spec.name(), spec.outcomes());
    new TopicEncoding("outcomes", RecordEncoding.AVRO, chargebacksAvsc, null)
        .check(spec.name(), spec.outcomes());
    checkEvents(TopicEncoding.json("events"));
  }

  @Test
  public void aBinaryEncodingNeedsItsSchemaAndProtobufItsMessage() {
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, null, null)))
        .hasMessageStartingWith("--eventsEncoding=AVRO needs --eventsSchema: the writer schema");
    assertThatThrownBy(
            () ->
                new TopicEncoding("outcomes", RecordEncoding.CONFLUENT_AVRO, " ", null)
                    .check(spec.name(), spec.outcomes()))
        .hasMessageStartingWith("--outcomesEncoding=CONFLUENT_AVRO needs --outcomesSchema")
        .hasMessageContaining("<id>.avsc");
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.PROTOBUF, descriptors, null)))
        .hasMessageStartingWith("--eventsEncoding=PROTOBUF needs --eventsMessage");
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.PROTOBUF, null, "a.B")))
        .hasMessageContaining("needs --eventsSchema")
        .hasMessageContaining("protoc --include_imports --descriptor_set_out");
  }

  @Test
  public void settingsThatWouldBeIgnoredAreRefused() {
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.JSON, paymentsAvsc, null)))
        .hasMessageStartingWith("--eventsSchema is set but --eventsEncoding is JSON");
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, paymentsAvsc, "a.B")))
        .hasMessageStartingWith("--eventsMessage is only for --eventsEncoding=PROTOBUF");
  }

  @Test
  public void anUnreadableOrWrongSchemaFileIsNamed() throws Exception {
    String missing = tmp.getRoot() + "/nope/payments.avsc";
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, missing, null)))
        .hasMessageStartingWith("--eventsSchema=" + missing + " cannot be read");
    Path notJson = tmp.newFile("broken.avsc").toPath();
    Files.writeString(notJson, "{\"type\": \"record\",");
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, notJson.toString(), null)))
        .hasMessageStartingWith("--eventsSchema=" + notJson + " is not an Avro schema");
    Path primitive = tmp.newFile("string.avsc").toPath();
    Files.writeString(primitive, "\"string\"");
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, primitive.toString(), null)))
        .hasMessage("--eventsSchema=" + primitive + " is an Avro string schema, not a record");
    assertThatThrownBy(
            () ->
                checkEvents(events(RecordEncoding.PROTOBUF, paymentsAvsc, "freshet.fraud.Payment")))
        .hasMessageStartingWith("--eventsSchema=" + paymentsAvsc + " is not a FileDescriptorSet")
        .hasMessageContaining("protoc --include_imports");
  }

  @Test
  public void aSchemaLackingARequiredFieldOrHoldingAnotherTypeIsRefused() throws Exception {
    Path noAmount = tmp.newFile("no-amount.avsc").toPath();
    Files.writeString(
        noAmount, Files.readString(Path.of(paymentsAvsc)).replace("\"amount\"", "\"total\""));
    assertThatThrownBy(() -> checkEvents(events(RecordEncoding.AVRO, noAmount.toString(), null)))
        .hasMessage(
            "--eventsSchema="
                + noAmount
                + " has no field 'amount' that spec 'fraud' needs for payments");

    Path stringAmount = tmp.newFile("string-amount.avsc").toPath();
    Files.writeString(
        stringAmount,
        Files.readString(Path.of(paymentsAvsc))
            .replace(
                "{\"name\": \"amount\", \"type\": \"double\"}",
                "{\"name\": \"amount\", \"type\": [\"null\", \"string\"]}"));
    assertThatThrownBy(
            () -> checkEvents(events(RecordEncoding.AVRO, stringAmount.toString(), null)))
        .hasMessage(
            "--eventsSchema="
                + stringAmount
                + " has field 'amount' of type [null, string], which cannot hold the double spec"
                + " 'fraud' reads for payments");

    // Outcomes read with the payments' message: no outcome time, no label.
    assertThatThrownBy(
            () ->
                new TopicEncoding(
                        "outcomes",
                        RecordEncoding.PROTOBUF,
                        descriptors,
                        TestDataFiles.FRAUD_PAYMENT_MESSAGE)
                    .check(spec.name(), spec.outcomes()))
        .hasMessageStartingWith(
            "--outcomesSchema="
                + descriptors
                + " (message freshet.fraud.Payment) has no fields 'outcome_time', 'label' that"
                + " spec 'fraud' needs for chargebacks");
  }

  @Test
  public void anUnknownMessageIsRefusedListingTheKnownOnes() {
    assertThatThrownBy(
            () -> checkEvents(events(RecordEncoding.PROTOBUF, descriptors, "freshet.fraud.Refund")))
        .hasMessage(
            "--eventsMessage=freshet.fraud.Refund is not a message type of --eventsSchema="
                + descriptors
                + "; it holds google.protobuf.Timestamp, freshet.fraud.Payment,"
                + " freshet.fraud.Chargeback");
  }

  @Test
  public void aDescriptorSetWithoutItsImportsIsRefused() throws Exception {
    FileDescriptorSet full = FileDescriptorSet.parseFrom(Files.readAllBytes(Path.of(descriptors)));
    FileDescriptorSet withoutImports =
        FileDescriptorSet.newBuilder()
            .addFile(
                full.getFileList().stream()
                    .filter(f -> f.getName().equals("fraud.proto"))
                    .findFirst()
                    .orElseThrow())
            .build();
    Path file = tmp.newFile("no-imports.desc").toPath();
    Files.write(file, withoutImports.toByteArray());
    assertThatThrownBy(
            () ->
                checkEvents(
                    events(RecordEncoding.PROTOBUF, file.toString(), "freshet.fraud.Payment")))
        .hasMessage(
            "--eventsSchema="
                + file
                + " holds fraud.proto, which imports google/protobuf/timestamp.proto, but not"
                + " google/protobuf/timestamp.proto itself: make it with protoc --include_imports");
  }

  @Test
  public void aConfluentDirectoryNeedsOneFittingSchemaNamedByItsId() throws Exception {
    Path dir = tmp.newFolder("registry").toPath();
    TopicEncoding confluent = events(RecordEncoding.CONFLUENT_AVRO, dir.toString(), null);
    assertThatThrownBy(() -> checkEvents(confluent))
        .hasMessageStartingWith("--eventsSchema=" + dir + " holds no <id>.avsc file");

    Files.copy(Path.of(chargebacksAvsc), dir.resolve("2.avsc"));
    assertThatThrownBy(() -> checkEvents(confluent))
        .hasMessageStartingWith(
            "--eventsSchema=" + dir + " has no writer schema spec 'fraud' can read payments with:")
        .hasMessageContaining("2.avsc has no fields 'rider_id', 'card_id', 'amount', 'event_time'");

    // A registry export holds every subject's schemas: one that fits is enough.
    Files.copy(Path.of(paymentsAvsc), dir.resolve("1.avsc"));
    assertThatCode(() -> checkEvents(confluent)).doesNotThrowAnyException();
    assertThatCode(
            () ->
                new TopicEncoding("outcomes", RecordEncoding.CONFLUENT_AVRO, dir.toString(), null)
                    .check(spec.name(), spec.outcomes()))
        .doesNotThrowAnyException();

    Files.copy(Path.of(paymentsAvsc), dir.resolve("payments.avsc"));
    assertThatThrownBy(() -> checkEvents(confluent))
        .hasMessageStartingWith("--eventsSchema=" + dir + " holds payments.avsc: name each");
  }

  @Test
  public void replayNeedsTheSchemaIdToWriteTheConfluentWireFormat() throws Exception {
    Path dir = tmp.newFolder("ids").toPath();
    Files.copy(Path.of(paymentsAvsc), dir.resolve("5.avsc"));
    TopicEncoding confluent = events(RecordEncoding.CONFLUENT_AVRO, dir.toString(), null);
    assertThatThrownBy(() -> confluent.encoder(null))
        .hasMessageStartingWith("--eventsEncoding=CONFLUENT_AVRO needs --eventsSchemaId");
    assertThatThrownBy(() -> confluent.encoder(6))
        .hasMessageStartingWith("--eventsSchema=" + dir.resolve("6.avsc") + " cannot be read");
    assertThatThrownBy(() -> events(RecordEncoding.AVRO, paymentsAvsc, null).encoder(5))
        .hasMessage("--eventsSchemaId is only for --eventsEncoding=CONFLUENT_AVRO");
    byte[] framed =
        confluent.encoder(5).encode(Files.readAllLines(TestDataFiles.fraudSampleEvents()).get(0));
    assertThat(framed[0]).isZero();
    assertThat(ConfluentWireFormat.schemaId(framed)).isEqualTo(5);
  }
}
