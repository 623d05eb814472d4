package dev.freshet.testdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FraudJsonlTest {

  private static final Pattern TIME =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void paymentLineHasExactlyTheDocumentedFieldsInOrder() throws Exception {
    Payment p =
        new Payment(
            "pay-00000001",
            Instant.parse("2026-01-05T08:00:00.123Z"),
            "rider-00042",
            "card-000107",
            "trip-00000001",
            "lisbon",
            "dev-00042",
            23.4);
    assertThat(FraudJsonl.toJson(p))
        .isEqualTo(
            "{\"event_id\":\"pay-00000001\",\"event_type\":\"payment\","
                + "\"event_time\":\"2026-01-05T08:00:00.123Z\",\"rider_id\":\"rider-00042\","
                + "\"card_id\":\"card-000107\",\"trip_id\":\"trip-00000001\",\"city\":\"lisbon\","
                + "\"device_id\":\"dev-00042\",\"amount\":23.4}");
    Chargeback c = new Chargeback("pay-00000017", Instant.parse("2026-01-05T11:02:13Z"), true);
    assertThat(FraudJsonl.toJson(c))
        .isEqualTo(
            "{\"event_id\":\"pay-00000017\",\"outcome_time\":\"2026-01-05T11:02:13.000Z\","
                + "\"label\":true}");
  }

  @Test
  public void generatedFilesParseBackWithTheDocumentedFields() throws Exception {
    FraudGenerator g = FraudGenerator.builder().seed(11).events(5_000).eventsPerSecond(0.2).build();
    FraudDataset data = g.generate();
    FraudSummary summary =
        GenerateFraud.write(g, tmp.getRoot().toPath(), GenerateFraud.Format.jsonl, null);
    assertThat(summary.events()).isEqualTo(5_000);
    Path events = tmp.getRoot().toPath().resolve("events.jsonl");
    Path outcomes = tmp.getRoot().toPath().resolve("outcomes.jsonl");

    List<String> lines = Files.readAllLines(events, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(5_000);
    for (String line : lines) {
      JsonNode n = MAPPER.readTree(line);
      assertThat(fieldNames(n)).containsExactlyElementsOf(FraudJsonl.PAYMENT_FIELDS);
      assertThat(n.get("event_time").textValue()).matches(TIME);
      assertThat(n.get("event_type").textValue()).isEqualTo("payment");
      assertThat(n.get("amount").isNumber()).isTrue();
      double amount = n.get("amount").doubleValue();
      assertThat(Math.abs(amount * 100 - Math.round(amount * 100))).isLessThan(1e-6);
      assertThat(line).doesNotContain("fraud").doesNotContain("pattern").doesNotContain("label");
    }
    for (String line : Files.readAllLines(outcomes, StandardCharsets.UTF_8)) {
      JsonNode n = MAPPER.readTree(line);
      assertThat(fieldNames(n)).containsExactlyElementsOf(FraudJsonl.CHARGEBACK_FIELDS);
      assertThat(n.get("outcome_time").textValue()).matches(TIME);
      assertThat(n.get("label").booleanValue()).isTrue();
    }

    List<Payment> expected = data.payments().stream().map(GeneratedPayment::payment).toList();
    assertThat(FraudJsonl.readPayments(events)).isEqualTo(expected);
    assertThat(FraudJsonl.readChargebacks(outcomes)).isEqualTo(data.chargebacks());
  }

  @Test
  public void sameSeedWritesByteIdenticalFilesAndAnotherSeedDoesNot() throws Exception {
    Path a = tmp.newFolder("a").toPath();
    Path b = tmp.newFolder("b").toPath();
    Path c = tmp.newFolder("c").toPath();
    FraudGenerator.Builder builder = FraudGenerator.builder().events(20_000);
    GenerateFraud.write(builder.seed(5).build(), a, GenerateFraud.Format.jsonl, null);
    GenerateFraud.write(builder.seed(5).build(), b, GenerateFraud.Format.jsonl, null);
    GenerateFraud.write(builder.seed(6).build(), c, GenerateFraud.Format.jsonl, null);
    for (String f : List.of("events.jsonl", "outcomes.jsonl")) {
      assertThat(Files.readAllBytes(b.resolve(f))).isEqualTo(Files.readAllBytes(a.resolve(f)));
      assertThat(Files.readAllBytes(c.resolve(f))).isNotEqualTo(Files.readAllBytes(a.resolve(f)));
    }
  }

  @Test
  public void committedSampleIsExactlyWhatTheReadmeCommandGenerates() throws Exception {
    Path dir = tmp.getRoot().toPath();
    FraudSummary s =
        GenerateFraud.write(
            TestDataFiles.fraudSampleGenerator(), dir, GenerateFraud.Format.jsonl, null);
    assertThat(dir.resolve("events.jsonl"))
        .hasSameBinaryContentAs(TestDataFiles.fraudSampleEvents());
    assertThat(dir.resolve("outcomes.jsonl"))
        .hasSameBinaryContentAs(TestDataFiles.fraudSampleOutcomes());
    assertThat(Files.size(TestDataFiles.fraudSampleEvents())).isLessThan(5_000_000);
    assertThat(s.fraudRate()).isBetween(0.02, 0.05);
    assertThat(s.lateChargebacks()).isPositive();
    assertThat(s.duplicateChargebacks()).isPositive();
  }

  @Test
  public void parsingRejectsMissingAndUnknownFields() {
    String ok =
        "{\"event_id\":\"pay-1\",\"outcome_time\":\"2026-01-05T11:02:13.000Z\",\"label\":true}";
    assertThat(FraudJsonl.parseChargeback(ok).eventId()).isEqualTo("pay-1");
    assertThatThrownBy(() -> FraudJsonl.parseChargeback("{\"event_id\":\"pay-1\",\"label\":true}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FraudJsonl.parseChargeback(ok.replace("}", ",\"is_fraud\":true}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FraudJsonl.parseChargeback(ok.replace("true", "\"yes\"")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FraudJsonl.parsePayment("not json"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
