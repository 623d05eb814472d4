package dev.freshet.pipelines.encodings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.DomainData;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.DecodeEvents;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.testing.Collect;
import dev.freshet.transforms.testing.Runners;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The same payments and chargebacks written as JSON, Avro, the Confluent wire format and Protobuf
 * decode to equal rows and give bit-identical feature vectors (outcome-derived features included);
 * broken binary records become dead letters with their reasons, and nothing is lost.
 */
public class EventEncodingsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Rule public final transient TestPipeline p = Runners.pipeline(Runners.DIRECT);

  /** The encodings of the fraud fixtures, for one stream. */
  private TopicEncoding encoding(RecordEncoding encoding, String stream, Path registry) {
    boolean events = stream.equals("events");
    return switch (encoding) {
      case JSON -> TopicEncoding.json(stream);
      case AVRO ->
          new TopicEncoding(
              stream,
              encoding,
              (events
                      ? TestDataFiles.fraudPaymentsAvroSchema()
                      : TestDataFiles.fraudChargebacksAvroSchema())
                  .toString(),
              null);
      case CONFLUENT_AVRO -> new TopicEncoding(stream, encoding, registry.toString(), null);
      case PROTOBUF ->
          new TopicEncoding(
              stream,
              encoding,
              TestDataFiles.fraudProtoDescriptors().toString(),
              events
                  ? TestDataFiles.FRAUD_PAYMENT_MESSAGE
                  : TestDataFiles.FRAUD_CHARGEBACK_MESSAGE);
    };
  }

  /** A Schema Registry export: payments are id 1, chargebacks id 2. */
  private Path registry() throws Exception {
    Path dir = tmp.newFolder("registry").toPath();
    Files.copy(TestDataFiles.fraudPaymentsAvroSchema(), dir.resolve("1.avsc"));
    Files.copy(TestDataFiles.fraudChargebacksAvroSchema(), dir.resolve("2.avsc"));
    return dir;
  }

  /** {@code lines} as {@code encoding}'s producers write them, read back as rows. */
  private static ParseResult read(
      PBegin begin,
      String name,
      FeatureSpec spec,
      EventSchema schema,
      TopicEncoding encoding,
      Integer schemaId,
      List<String> lines) {
    if (encoding.isJson()) {
      return begin
          .apply(name + " lines", Create.of(lines))
          .apply(name + " parse", ParseEvents.json(schema));
    }
    RecordEncoder encoder = encoding.encoder(schemaId);
    List<byte[]> records = new ArrayList<>();
    lines.forEach(line -> records.add(encoder.encode(line)));
    return begin
        .apply(name + " records", Create.of(records).withCoder(ByteArrayCoder.of()))
        .apply(name + " decode", DecodeEvents.with(schema, encoding.decoder(spec.name(), schema)));
  }

  @Test
  public void theSameValuesGiveEqualRowsAndBitIdenticalVectorsInEveryEncoding() throws Exception {
    DomainData.Slice slice = DomainData.fraud(tmp.newFolder("fraud").toPath(), 400);
    FeatureSpec spec = slice.spec();
    List<String> events = Files.readAllLines(slice.events());
    List<String> outcomes = Files.readAllLines(slice.outcomes());
    Path registry = registry();

    for (RecordEncoding encoding : RecordEncoding.values()) {
      String name = encoding.name();
      ParseResult eventRows =
          read(
              p.begin(),
              name + " payments",
              spec,
              spec.events(),
              encoding(encoding, "events", registry),
              encoding == RecordEncoding.CONFLUENT_AVRO ? 1 : null,
              events);
      ParseResult outcomeRows =
          read(
              p.begin(),
              name + " chargebacks",
              spec,
              spec.outcomes(),
              encoding(encoding, "outcomes", registry),
              encoding == RecordEncoding.CONFLUENT_AVRO ? 2 : null,
              outcomes);
      PAssert.that(name + " payment rows", eventRows.rows()).containsInAnyOrder(slice.eventRows());
      PAssert.that(name + " chargeback rows", outcomeRows.rows())
          .containsInAnyOrder(slice.outcomeRows());
      PAssert.that(name + " payment dead letters", eventRows.deadLetters()).empty();
      PAssert.that(name + " chargeback dead letters", outcomeRows.deadLetters()).empty();

      JoinLabels.Result<Row> labels =
          eventRows.rows().apply(name + " labels", JoinLabels.events(spec, outcomeRows.rows()));
      PCollection<FeaturedEvent> featured =
          eventRows
              .rows()
              .apply(name + " features", ExtractFeatures.of(spec).withLabels(labels.labeled()));
      Collect.into(featured, "encodings-" + name);
    }
    p.run().waitUntilFinish();

    Map<String, FeaturedEvent> json = byId(Collect.events("encodings-JSON"));
    assertThat(json).hasSize(events.size());
    assertThat(json.values())
        .as("the comparison covers outcome-derived features that saw labels")
        .filteredOn(e -> sawLabels(spec, e.features()))
        .hasSizeGreaterThan(5);
    for (RecordEncoding encoding :
        List.of(RecordEncoding.AVRO, RecordEncoding.CONFLUENT_AVRO, RecordEncoding.PROTOBUF)) {
      Map<String, FeaturedEvent> other = byId(Collect.events("encodings-" + encoding));
      assertThat(other.keySet()).as(encoding.name()).isEqualTo(json.keySet());
      for (Map.Entry<String, FeaturedEvent> e : json.entrySet()) {
        FeaturedEvent got = other.get(e.getKey());
        assertThat(got.event())
            .as("%s row of %s", encoding, e.getKey())
            .isEqualTo(e.getValue().event());
        assertThat(bits(got.features()))
            .as("%s vector of %s", encoding, e.getKey())
            .containsExactly(bits(e.getValue().features()));
      }
    }
  }

  @Test
  public void brokenBinaryRecordsAreDeadLettersWithTheirReasonAndNothingIsLost() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    List<String> valid =
        new ArrayList<>(Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 20));
    String first = valid.get(0);
    Path registry = registry();
    // Id 3: a later version of the payments' schema, with a nullable card and a string time.
    Files.writeString(
        registry.resolve("3.avsc"),
        Files.readString(TestDataFiles.fraudPaymentsAvroSchema())
            .replace("\"name\": \"Payment\"", "\"name\": \"PaymentV3\"")
            .replace(
                "{\"name\": \"card_id\", \"type\": \"string\"}",
                "{\"name\": \"card_id\", \"type\": [\"null\", \"string\"]}")
            .replace("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}", "\"string\""));

    TopicEncoding confluent = encoding(RecordEncoding.CONFLUENT_AVRO, "events", registry);
    RecordEncoder v1 = confluent.encoder(1);
    RecordEncoder v3 = confluent.encoder(3);
    byte[] framed = v1.encode(first);
    byte[] avro = Arrays.copyOfRange(framed, ConfluentWireFormat.HEADER_BYTES, framed.length);
    Map<DeadLetterReason, byte[]> broken = new EnumMap<>(DeadLetterReason.class);
    broken.put(DeadLetterReason.UNDECODABLE, ConfluentWireFormat.frame(1, Arrays.copyOf(avro, 10)));
    broken.put(DeadLetterReason.UNKNOWN_SCHEMA, ConfluentWireFormat.frame(99, avro));
    broken.put(
        DeadLetterReason.MISSING_FIELD,
        v3.encode(first.replace("\"card_id\":\"card-001188\"", "\"card_id\":null")));
    broken.put(
        DeadLetterReason.WRONG_TYPE,
        v3.encode(first.replace("2026-01-05T00:00:02.210Z", "yesterday")));
    broken.put(
        DeadLetterReason.UNKNOWN_EVENT_TYPE, v1.encode(first.replace("\"payment\"", "\"refund\"")));
    broken.put(
        DeadLetterReason.OVERSIZED,
        ConfluentWireFormat.frame(1, new byte[spec.events().maxRecordBytes()]));
    byte[] json = first.getBytes(StandardCharsets.UTF_8); // wrong magic byte

    List<byte[]> records = new ArrayList<>();
    valid.forEach(line -> records.add(v1.encode(line)));
    records.addAll(broken.values());
    records.add(json);
    ParseResult parsed =
        p.apply(Create.of(records).withCoder(ByteArrayCoder.of()))
            .apply(
                DecodeEvents.with(spec.events(), confluent.decoder(spec.name(), spec.events()))
                    .withSource("confluent"));

    PAssert.that(parsed.rows())
        .satisfies(
            rows -> {
              assertThat(rows).hasSize(valid.size());
              return null;
            });
    PAssert.that(parsed.deadLetters())
        .satisfies(
            dead -> {
              Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
              for (DeadLetter d : dead) {
                reasons.merge(d.reason(), 1, Integer::sum);
                assertThat(d.source()).isEqualTo("confluent");
                byte[] payload = Base64.getDecoder().decode(d.payload());
                if (d.reason() == DeadLetterReason.OVERSIZED) {
                  assertThat(payload).hasSize(BinaryPayload.MAX_BYTES);
                } else if (d.reason() == DeadLetterReason.UNDECODABLE && payload[0] == '{') {
                  assertThat(payload).isEqualTo(json);
                  assertThat(d.detail()).contains("magic byte 0").contains("looks like JSON");
                } else {
                  assertThat(payload).isEqualTo(broken.get(d.reason()));
                }
              }
              Map<DeadLetterReason, Integer> expected = new EnumMap<>(DeadLetterReason.class);
              broken.keySet().forEach(r -> expected.put(r, 1));
              expected.put(DeadLetterReason.UNDECODABLE, 2);
              assertThat(reasons).isEqualTo(expected);
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, Long> counters = new HashMap<>();
    for (MetricResult<Long> c :
        result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    assertThat(counters.get("confluent_in")).isEqualTo(records.size());
    assertThat(counters.get("confluent_valid")).isEqualTo(valid.size());
    assertThat(counters.get("confluent_in"))
        .isEqualTo(counters.get("confluent_valid") + counters.get("confluent_dead"));
    assertThat(counters.get("confluent_dead_UNKNOWN_SCHEMA")).isEqualTo(1);
    assertThat(counters.get("confluent_dead_UNDECODABLE")).isEqualTo(2);
  }

  /**
   * In every encoding, a record that does not decode and one that lacks a required field are dead
   * letters whose reason and detail name the problem; the other records are rows.
   */
  @Test
  public void undecodableRecordsAndMissingFieldsAreDeadLettersInEveryEncoding() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    List<String> valid =
        new ArrayList<>(Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 10));
    int validCount = valid.size();
    String first = valid.get(0);
    // A producer's schema under which a payment can lack its card (Avro cannot omit a field else).
    String nullableCard =
        Files.readString(TestDataFiles.fraudPaymentsAvroSchema())
            .replace(
                "{\"name\": \"card_id\", \"type\": \"string\"}",
                "{\"name\": \"card_id\", \"type\": [\"null\", \"string\"]}");
    Path registry = registry();
    Files.writeString(registry.resolve("3.avsc"), nullableCard);
    Path avsc = tmp.newFile("payments-nullable-card.avsc").toPath();
    Files.writeString(avsc, nullableCard);

    for (RecordEncoding encoding : RecordEncoding.values()) {
      String name = encoding.name();
      // A proto3 string without presence reads as "" when unset: Protobuf's missing field is a
      // message field, like the event time.
      String missing = encoding == RecordEncoding.PROTOBUF ? "event_time" : "card_id";
      Map<DeadLetterReason, String> problems = new EnumMap<>(DeadLetterReason.class);
      problems.put(DeadLetterReason.MISSING_FIELD, "required field '" + missing + "' is missing");
      ParseResult parsed;
      if (encoding == RecordEncoding.JSON) {
        problems.put(DeadLetterReason.MALFORMED_JSON, "not valid JSON");
        List<String> records = new ArrayList<>(valid);
        records.add(without(first, missing));
        records.add(first.substring(0, 40));
        parsed =
            p.apply(name + " records", Create.of(records))
                .apply(name + " parse", ParseEvents.json(spec.events()));
      } else {
        TopicEncoding topic =
            encoding == RecordEncoding.AVRO
                ? new TopicEncoding("events", encoding, avsc.toString(), null)
                : encoding(encoding, "events", registry);
        RecordEncoder encoder = topic.encoder(encoding == RecordEncoding.CONFLUENT_AVRO ? 3 : null);
        byte[] whole = encoder.encode(first);
        byte[] undecodable =
            encoding == RecordEncoding.CONFLUENT_AVRO
                ? first.getBytes(StandardCharsets.UTF_8)
                : Arrays.copyOf(whole, whole.length - 3);
        problems.put(
            DeadLetterReason.UNDECODABLE,
            switch (encoding) {
              case AVRO -> "not an Avro record of dev.freshet.testdata.fraud.Payment";
              case CONFLUENT_AVRO -> "not the Confluent wire format's magic byte 0";
              default -> "not a " + TestDataFiles.FRAUD_PAYMENT_MESSAGE + " message";
            });
        List<byte[]> records = new ArrayList<>();
        valid.forEach(line -> records.add(encoder.encode(line)));
        records.add(encoder.encode(without(first, missing)));
        records.add(undecodable);
        parsed =
            p.apply(name + " records", Create.of(records).withCoder(ByteArrayCoder.of()))
                .apply(
                    name + " decode",
                    DecodeEvents.with(spec.events(), topic.decoder(spec.name(), spec.events())));
      }
      PAssert.that(name + " rows", parsed.rows())
          .satisfies(
              rows -> {
                assertThat(rows).as(name).hasSize(validCount);
                return null;
              });
      PAssert.that(name + " dead letters", parsed.deadLetters())
          .satisfies(
              dead -> {
                Map<DeadLetterReason, String> details = new EnumMap<>(DeadLetterReason.class);
                dead.forEach(d -> assertThat(details.put(d.reason(), d.detail())).isNull());
                assertThat(details.keySet()).as(name).isEqualTo(problems.keySet());
                problems.forEach(
                    (reason, says) ->
                        assertThat(details.get(reason)).as("%s %s", name, reason).contains(says));
                return null;
              });
    }
    p.run().waitUntilFinish();
  }

  private static String without(String json, String field) throws IOException {
    ObjectNode node = (ObjectNode) new ObjectMapper().readTree(json);
    node.remove(field);
    return node.toString();
  }

  /** Whether any outcome-derived column differs from its missing value. */
  private static boolean sawLabels(FeatureSpec spec, float[] vector) {
    for (int i = 0; i < spec.size(); i++) {
      if (spec.features().get(i).aggregation().isFromOutcomes()
          && vector[i] != (float) spec.features().get(i).missingValue()) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, FeaturedEvent> byId(List<FeaturedEvent> events) {
    Map<String, FeaturedEvent> out = new HashMap<>();
    for (FeaturedEvent e : events) {
      assertThat(out.put(e.event().getString("event_id"), e)).isNull();
    }
    return out;
  }

  private static int[] bits(float[] vector) {
    int[] bits = new int[vector.length];
    for (int i = 0; i < vector.length; i++) {
      bits[i] = Float.floatToRawIntBits(vector[i]);
    }
    return bits;
  }
}
