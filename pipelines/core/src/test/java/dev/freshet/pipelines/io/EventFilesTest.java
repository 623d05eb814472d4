package dev.freshet.pipelines.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudJsonl;
import dev.freshet.testdata.FraudParquet;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.testdata.LocalParquetFiles;
import dev.freshet.testdata.Payment;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.joda.time.Instant;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link EventFiles}: JSON lines and Parquet parse to the same rows with the same rules, and bad
 * records of either format become dead letters with the right reason while good ones pass.
 */
public class EventFilesTest {
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static FeatureSpec spec;

  @BeforeClass
  public static void loadSpec() {
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
  }

  @Test
  public void jsonLinesAndParquetOfTheSamePaymentsGiveIdenticalRows() throws IOException {
    Path dir = tmp.newFolder("generated").toPath();
    // One payment every 20 s, so that 300 payments span fraud episodes and have chargebacks.
    FraudGenerator generator =
        FraudGenerator.builder().seed(3).events(300).eventsPerSecond(0.05).build();
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    GenerateFraud.write(generator, dir, GenerateFraud.Format.jsonl, quiet);
    GenerateFraud.write(generator, dir, GenerateFraud.Format.parquet, quiet);
    Path eventsJsonl = dir.resolve("events.jsonl");
    Path eventsParquet = dir.resolve("events.parquet");
    Path outcomesJsonl = dir.resolve("outcomes.jsonl");
    Path outcomesParquet = dir.resolve("outcomes.parquet");

    // Precondition: the two files hold the same payments (the generator is seeded).
    List<Payment> payments = FraudJsonl.readPayments(eventsJsonl);
    assertThat(payments).hasSize(300);
    assertThat(FraudParquet.readPayments(eventsParquet)).isEqualTo(payments);
    assertThat(FraudParquet.readChargebacks(outcomesParquet))
        .isEqualTo(FraudJsonl.readChargebacks(outcomesJsonl));
    List<String> outcomeLines = Files.readAllLines(outcomesJsonl);
    assertThat(outcomeLines).isNotEmpty();

    // The expected rows: the JSON lines parsed in memory; the event time of each is the payment's.
    List<Row> expectedEvents = parseAll(spec.events(), Files.readAllLines(eventsJsonl));
    List<Row> expectedOutcomes = parseAll(spec.outcomes(), outcomeLines);
    for (int i = 0; i < payments.size(); i++) {
      assertThat(expectedEvents.get(i).getDateTime("event_time").getMillis())
          .isEqualTo(payments.get(i).eventTime().toEpochMilli());
    }

    ParseResult jsonEvents =
        p.apply("JsonEvents", EventFiles.read(spec.events()).from(eventsJsonl.toString()));
    ParseResult parquetEvents =
        p.apply("ParquetEvents", EventFiles.read(spec.events()).from(eventsParquet.toString()));
    ParseResult jsonOutcomes =
        p.apply("JsonOutcomes", EventFiles.read(spec.outcomes()).from(outcomesJsonl.toString()));
    ParseResult parquetOutcomes =
        p.apply(
            "ParquetOutcomes", EventFiles.read(spec.outcomes()).from(outcomesParquet.toString()));

    PAssert.that("json events", jsonEvents.rows()).containsInAnyOrder(expectedEvents);
    PAssert.that("parquet events", parquetEvents.rows()).containsInAnyOrder(expectedEvents);
    PAssert.that("json outcomes", jsonOutcomes.rows()).containsInAnyOrder(expectedOutcomes);
    PAssert.that("parquet outcomes", parquetOutcomes.rows()).containsInAnyOrder(expectedOutcomes);
    // The same comparison on the rendered rows, so a failure shows the differing field.
    PAssert.that("parquet events as text", asText("ParquetText", parquetEvents.rows()))
        .containsInAnyOrder(expectedEvents.stream().map(Row::toString).toList());
    PAssert.that("json dead", jsonEvents.deadLetters()).empty();
    PAssert.that("parquet dead", parquetEvents.deadLetters()).empty();
    PAssert.that("json outcome dead", jsonOutcomes.deadLetters()).empty();
    PAssert.that("parquet outcome dead", parquetOutcomes.deadLetters()).empty();
    // Rows are stamped with their own event time, whatever the format.
    PAssert.that(
            "parquet timestamps",
            parquetEvents
                .rows()
                .apply("ParquetStamps", ParDo.of(new WrongTimestampFn("event_time"))))
        .empty();
    PAssert.that(
            "parquet outcome timestamps",
            parquetOutcomes
                .rows()
                .apply("ParquetOutcomeStamps", ParDo.of(new WrongTimestampFn("outcome_time"))))
        .empty();
    p.run().waitUntilFinish();
  }

  /**
   * CSV with a header line gives the same rows as the JSON lines it was written from; a cell of the
   * wrong type, a missing required field and a ragged row become dead letters with their reasons.
   */
  @Test
  public void csvGivesTheSameRowsAsJsonLinesAndBadRowsBecomeDeadLetters() throws IOException {
    Path dir = tmp.newFolder("csv").toPath();
    FraudGenerator generator =
        FraudGenerator.builder().seed(5).events(200).eventsPerSecond(0.05).build();
    GenerateFraud.write(
        generator,
        dir,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    List<String> lines = Files.readAllLines(dir.resolve("events.jsonl"));
    List<String> header = spec.events().fieldNames();
    Path csv = dir.resolve("events.csv");
    ObjectMapper json = new ObjectMapper();
    try (CSVPrinter out =
        new CSVPrinter(
            Files.newBufferedWriter(csv),
            CSVFormat.DEFAULT.builder().setHeader(header.toArray(new String[0])).get())) {
      for (String line : lines) {
        JsonNode n = json.readTree(line);
        List<String> row = new ArrayList<>();
        for (String field : header) {
          row.add(n.hasNonNull(field) ? n.get(field).asText() : "");
        }
        out.printRecord(row);
      }
      JsonNode first = json.readTree(lines.get(0));
      List<String> wrongType = new ArrayList<>();
      List<String> noCard = new ArrayList<>();
      for (String field : header) {
        String value = first.hasNonNull(field) ? first.get(field).asText() : "";
        wrongType.add(
            field.equals("event_id") ? "bad-amount" : field.equals("amount") ? "twelve" : value);
        noCard.add(field.equals("event_id") ? "bad-card" : field.equals("card_id") ? "" : value);
      }
      out.printRecord(wrongType);
      out.printRecord(noCard);
      out.printRecord("ragged", "row");
    }

    ParseResult parsed = p.apply(EventFiles.read(spec.events()).from(csv.toString()));
    PAssert.that("csv rows", parsed.rows()).containsInAnyOrder(parseAll(spec.events(), lines));
    PAssert.that(
            "dead letter reasons",
            parsed
                .deadLetters()
                .apply(
                    "Reasons",
                    MapElements.into(TypeDescriptors.strings()).via(d -> d.reason().name())))
        .containsInAnyOrder(
            DeadLetterReason.WRONG_TYPE.name(),
            DeadLetterReason.MISSING_FIELD.name(),
            DeadLetterReason.MALFORMED_JSON.name());
    p.run().waitUntilFinish();
  }

  @Test
  public void badParquetRecordsBecomeDeadLettersAndGoodOnesPass() throws IOException {
    Schema schema =
        new Schema.Parser()
            .parse(
                """
                {"type": "record", "name": "LoosePayment", "namespace": "dev.freshet.test",
                 "fields": [
                   {"name": "event_id", "type": ["null", "string"], "default": null},
                   {"name": "event_type", "type": ["null", "string"], "default": null},
                   {"name": "event_time", "type": ["null",
                      {"type": "long", "logicalType": "timestamp-millis"}], "default": null},
                   {"name": "rider_id", "type": ["null", "string"], "default": null},
                   {"name": "card_id", "type": ["null", "string"], "default": null},
                   {"name": "trip_id", "type": ["null", "string"], "default": null},
                   {"name": "city", "type": ["null", "string"], "default": null},
                   {"name": "device_id", "type": ["null", "string"], "default": null},
                   {"name": "amount", "type": ["null", "double", "string"], "default": null}
                 ]}
                """);
    long t0 = java.time.Instant.parse("2026-01-05T08:00:00Z").toEpochMilli();
    List<GenericRecord> records = new ArrayList<>();
    records.add(payment(schema, "good-1", t0, 12.5));
    GenericRecord wrongType = payment(schema, "bad-amount", t0 + 1000, 0.0);
    wrongType.put("amount", "12.50");
    records.add(wrongType);
    GenericRecord missing = payment(schema, "bad-card", t0 + 2000, 7.0);
    missing.put("card_id", null);
    records.add(missing);
    GenericRecord refund = payment(schema, "bad-type", t0 + 3000, 3.0);
    refund.put("event_type", "refund");
    records.add(refund);
    records.add(payment(schema, "good-2", t0 + 4000, 40.25));

    Path file = tmp.getRoot().toPath().resolve("loose.parquet");
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(LocalParquetFiles.output(file))
            .withSchema(schema)
            .withDataModel(GenericData.get())
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (GenericRecord r : records) {
        writer.write(r);
      }
    }

    int written = records.size();
    ParseResult parsed = p.apply(EventFiles.read(spec.events()).from(file.toString()));
    PAssert.that("good ids", ids(parsed.rows())).containsInAnyOrder("good-1", "good-2");
    PAssert.that("good rows", parsed.rows())
        .satisfies(
            rows -> {
              Map<String, Row> byId = new HashMap<>();
              rows.forEach(r -> byId.put(r.getString("event_id"), r));
              assertThat(byId.get("good-1").getDouble("amount")).isEqualTo(12.5);
              assertThat(byId.get("good-2").getDouble("amount")).isEqualTo(40.25);
              assertThat(byId.get("good-2").getDateTime("event_time").getMillis())
                  .isEqualTo(t0 + 4000);
              assertThat(byId.get("good-1").getString("card_id")).isEqualTo("card-good-1");
              return null;
            });
    PAssert.that("dead letters", parsed.deadLetters())
        .satisfies(
            dead -> {
              Map<String, DeadLetter> byId = new HashMap<>();
              for (DeadLetter d : dead) {
                String id = null;
                for (String candidate : List.of("bad-amount", "bad-card", "bad-type")) {
                  if (d.payload().contains("\"event_id\":\"" + candidate + "\"")) {
                    id = candidate;
                  }
                }
                assertThat(id).as("event_id in the payload of %s", d).isNotNull();
                assertThat(d.payload()).startsWith("{").endsWith("}");
                assertThat(byId.put(id, d)).as("one dead letter for %s", id).isNull();
              }
              assertThat(byId).hasSize(3);
              assertThat(byId.get("bad-amount").reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
              assertThat(byId.get("bad-amount").detail()).contains("amount");
              assertThat(byId.get("bad-amount").payload()).contains("\"amount\":\"12.50\"");
              assertThat(byId.get("bad-card").reason()).isEqualTo(DeadLetterReason.MISSING_FIELD);
              assertThat(byId.get("bad-card").detail()).contains("card_id");
              assertThat(byId.get("bad-card").payload()).contains("\"card_id\":null");
              assertThat(byId.get("bad-type").reason())
                  .isEqualTo(DeadLetterReason.UNKNOWN_EVENT_TYPE);
              assertThat(byId.get("bad-type").detail()).contains("refund");
              return null;
            });
    // Nothing lost: rows + dead letters = records written.
    PAssert.that("rows + dead", allIds(parsed))
        .satisfies(
            all -> {
              List<String> list = new ArrayList<>();
              all.forEach(list::add);
              assertThat(list).hasSize(written);
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  public void malformedAndOversizedJsonLinesBecomeDeadLetters() throws IOException {
    FraudGenerator generator = FraudGenerator.builder().seed(3).events(20).build();
    List<String> good = new ArrayList<>();
    generator.generate().payments().forEach(g -> good.add(FraudJsonl.toJson(g.payment())));
    assertThat(good).hasSize(20);
    int limit = spec.events().maxRecordBytes();
    String oversized =
        "{\"event_id\":\"huge\",\"event_type\":\"payment\",\"event_time\":\"2026-01-05T08:00:00Z\","
            + "\"rider_id\":\"r\",\"card_id\":\"c\",\"amount\":1.0,\"note\":\""
            + "x".repeat(limit)
            + "\"}";
    String malformed = "{\"event_id\":\"broken\",\"event_type\":\"payment\",";
    List<String> lines = new ArrayList<>(good.subList(0, 10));
    lines.add(malformed);
    lines.addAll(good.subList(10, 15));
    lines.add(oversized);
    lines.addAll(good.subList(15, 20));
    Path file = tmp.getRoot().toPath().resolve("mixed.jsonl");
    Files.write(file, lines, StandardCharsets.UTF_8);

    List<String> goodIds = new ArrayList<>();
    for (String line : good) {
      goodIds.add(FraudJsonl.parsePayment(line).eventId());
    }
    String source = spec.events().name();
    ParseResult parsed = p.apply(EventFiles.read(spec.events()).from(file.toString()));
    PAssert.that("good ids", ids(parsed.rows())).containsInAnyOrder(goodIds);
    PAssert.that("dead letters", parsed.deadLetters())
        .satisfies(
            dead -> {
              Map<DeadLetterReason, DeadLetter> byReason = new HashMap<>();
              for (DeadLetter d : dead) {
                assertThat(byReason.put(d.reason(), d)).as("one %s", d.reason()).isNull();
              }
              assertThat(byReason)
                  .containsOnlyKeys(DeadLetterReason.MALFORMED_JSON, DeadLetterReason.OVERSIZED);
              DeadLetter bad = byReason.get(DeadLetterReason.MALFORMED_JSON);
              assertThat(bad.payload()).isEqualTo(malformed);
              assertThat(bad.source()).isEqualTo(source);
              DeadLetter big = byReason.get(DeadLetterReason.OVERSIZED);
              assertThat(big.payload()).hasSize(DeadLetter.MAX_PAYLOAD_CHARS);
              assertThat(oversized).startsWith(big.payload());
              assertThat(big.detail()).contains(String.valueOf(limit));
              return null;
            });
    p.run().waitUntilFinish();
  }

  private static GenericRecord payment(Schema schema, String id, long time, double amount) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("event_id", id);
    r.put("event_type", "payment");
    r.put("event_time", time);
    r.put("rider_id", "rider-" + id);
    r.put("card_id", "card-" + id);
    r.put("trip_id", "trip-" + id);
    r.put("city", "lisbon");
    r.put("device_id", "dev-" + id);
    r.put("amount", amount);
    return r;
  }

  private static List<Row> parseAll(EventSchema schema, List<String> lines) {
    RecordParser parser = new RecordParser(schema);
    List<Row> rows = new ArrayList<>();
    for (String line : lines) {
      RecordParser.Result r = parser.parseJson(line);
      assertThat(r.ok()).as("%s parses: %s", line, r.detail()).isTrue();
      rows.add(r.row());
    }
    return rows;
  }

  private static PCollection<String> ids(PCollection<Row> rows) {
    return rows.apply(
        "Ids", MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("event_id")));
  }

  private static PCollection<String> asText(String name, PCollection<Row> rows) {
    return rows.apply(name, MapElements.into(TypeDescriptors.strings()).via(Row::toString));
  }

  private static PCollection<String> allIds(ParseResult parsed) {
    PCollection<String> rows =
        parsed
            .rows()
            .apply(
                "RowIds",
                MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("event_id")));
    PCollection<String> dead =
        parsed
            .deadLetters()
            .apply(
                "DeadPayloads", MapElements.into(TypeDescriptors.strings()).via(d -> d.payload()));
    return org.apache.beam.sdk.values.PCollectionList.of(rows)
        .and(dead)
        .apply(org.apache.beam.sdk.transforms.Flatten.pCollections());
  }

  /** Emits rows whose element timestamp is not their time field. */
  static final class WrongTimestampFn extends DoFn<Row, String> {
    private final String field;

    WrongTimestampFn(String field) {
      this.field = field;
    }

    @ProcessElement
    public void process(
        @Element Row row, @Timestamp Instant timestamp, OutputReceiver<String> out) {
      if (row.getDateTime(field).getMillis() != timestamp.getMillis()) {
        out.output(row + " stamped " + timestamp);
      }
    }
  }
}
