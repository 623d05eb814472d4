package dev.freshet.transforms.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.testing.Payments;
import java.util.Map;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/** Every malformed case is named precisely; valid records become typed rows. */
public class RecordParserTest {
  private final RecordParser parser = new RecordParser(Payments.EVENTS);

  private static final String VALID =
      "{\"event_id\":\"p1\",\"event_type\":\"payment\",\"event_time\":\"2026-01-05T08:00:00.123Z\","
          + "\"card_id\":\"c1\",\"rider_id\":\"r1\",\"amount\":12.5,\"extra\":[1,2]}";

  @Test
  public void validRecordBecomesTypedRow() {
    RecordParser.Result r = parser.parseJson(VALID);
    assertThat(r.ok()).isTrue();
    Row row = r.row();
    assertThat(row.getString("event_id")).isEqualTo("p1");
    assertThat(row.getDateTime("event_time").toInstant())
        .isEqualTo(Instant.parse("2026-01-05T08:00:00.123Z"));
    assertThat(row.getDouble("amount")).isEqualTo(12.5);
    assertThat(row.getString("city")).isNull(); // optional and absent
  }

  @Test
  public void epochMillisAndIntegersAreAccepted() {
    RecordParser.Result r =
        parser.parseJson(
            "{\"event_id\":\"p1\",\"event_type\":\"payment\",\"event_time\":1767600000000,"
                + "\"card_id\":\"c1\",\"amount\":12}");
    assertThat(r.ok()).isTrue();
    assertThat(r.row().getDouble("amount")).isEqualTo(12.0);
    assertThat(r.row().getDateTime("event_time").getMillis()).isEqualTo(1767600000000L);
  }

  private void assertDead(String payload, DeadLetterReason reason, String detailPart) {
    RecordParser.Result r = parser.parseJson(payload);
    assertThat(r.ok()).as(payload).isFalse();
    assertThat(r.reason()).isEqualTo(reason);
    assertThat(r.detail()).contains(detailPart);
  }

  @Test
  public void malformedJson() {
    assertDead("{\"event_id\": \"p1\",", DeadLetterReason.MALFORMED_JSON, "not valid JSON");
    assertDead("[1,2,3]", DeadLetterReason.MALFORMED_JSON, "expected a JSON object");
    assertDead("", DeadLetterReason.MALFORMED_JSON, "");
  }

  @Test
  public void missingField() {
    assertDead(VALID.replace("\"card_id\":\"c1\",", ""), DeadLetterReason.MISSING_FIELD, "card_id");
    assertDead(VALID.replace("\"c1\"", "null"), DeadLetterReason.MISSING_FIELD, "card_id");
  }

  @Test
  public void wrongType() {
    assertDead(VALID.replace("12.5", "\"12.5\""), DeadLetterReason.WRONG_TYPE, "amount");
    assertDead(VALID.replace("\"c1\"", "42"), DeadLetterReason.WRONG_TYPE, "card_id");
    assertDead(
        VALID.replace("2026-01-05T08:00:00.123Z", "yesterday"),
        DeadLetterReason.WRONG_TYPE,
        "event_time");
  }

  @Test
  public void unknownEventType() {
    assertDead(
        VALID.replace("\"payment\"", "\"refund\""), DeadLetterReason.UNKNOWN_EVENT_TYPE, "refund");
  }

  @Test
  public void oversizedRecord() {
    String big = VALID.replace("\"extra\":[1,2]", "\"extra\":\"" + "x".repeat(70_000) + "\"");
    assertDead(big, DeadLetterReason.OVERSIZED, "exceeds the limit of 65536 bytes");
  }

  @Test
  public void decodedFieldsParseTheSameWay() {
    Map<String, Object> fields =
        Map.of(
            "event_id", "p1",
            "event_type", "payment",
            "event_time", 1767600000000L,
            "card_id", "c1",
            "amount", 3.0f);
    RecordParser.Result r = parser.parse(fields::get);
    assertThat(r.ok()).isTrue();
    assertThat(r.row().getDouble("amount")).isEqualTo(3.0);
    RecordParser.Result wrong = parser.parse(Map.<String, Object>of("event_id", 7)::get);
    assertThat(wrong.reason()).isEqualTo(DeadLetterReason.WRONG_TYPE);
  }

  @Test
  public void outcomeLabelsAcceptBooleansAndNumbers() {
    RecordParser outcomes = new RecordParser(Payments.OUTCOMES);
    String base = "{\"event_id\":\"p1\",\"outcome_time\":\"2026-01-05T09:00:00Z\",\"label\":";
    assertThat(outcomes.parseJson(base + "true}").row().getBoolean("label")).isTrue();
    assertThat(outcomes.parseJson(base + "0}").row().getBoolean("label")).isFalse();
    assertThat(outcomes.parseJson(base + "\"yes\"}").reason())
        .isEqualTo(DeadLetterReason.WRONG_TYPE);
  }
}
