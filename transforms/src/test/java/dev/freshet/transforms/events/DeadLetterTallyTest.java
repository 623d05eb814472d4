package dev.freshet.transforms.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.testing.Payments;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

/**
 * The tally says per source how many records were usable and why the others were dead, with an
 * example of each reason, whatever order the runner merged it in; errors cite it.
 */
public class DeadLetterTallyTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static String payment(String id, String amount) {
    return "{\"event_id\":\""
        + id
        + "\",\"event_type\":\"payment\",\"event_time\":\"2026-01-05T08:00:00Z\",\"card_id\":\"c1\",\"amount\":"
        + amount
        + "}";
  }

  private static DeadLetter letter(String source, DeadLetterReason reason, String detail) {
    return new DeadLetter(source, reason, detail, "{}", 0L);
  }

  @Test
  public void aRunTalliesUsableRecordsAndDeadLettersBySourceAndReason() {
    List<String> input =
        List.of(
            payment("ok1", "1.5"),
            payment("ok2", "2"),
            payment("ok3", "3"),
            "{not json",
            payment("wrong1", "\"lots\""),
            payment("wrong2", "\"many\""));
    ParseResult parsed =
        p.apply(Create.of(input)).apply(ParseEvents.json(Payments.EVENTS).withSource("payments"));

    PCollection<DeadLetterTally> tally =
        parsed
            .deadLetters()
            .apply(
                DeadLetterTally.counting(
                    Map.<String, PCollection<?>>of("payments", parsed.rows())));

    PAssert.thatSingleton(tally)
        .satisfies(
            t -> {
              assertThat(t.valid("payments")).isEqualTo(3);
              assertThat(t.dead("payments")).isEqualTo(3);
              assertThat(t.dead("payments", DeadLetterReason.WRONG_TYPE)).isEqualTo(2);
              assertThat(t.dead("payments", DeadLetterReason.MALFORMED_JSON)).isEqualTo(1);
              assertThat(t.explain("payments"))
                  .startsWith("3 of 6 payments were dead letters: ")
                  .contains("MALFORMED_JSON 1 (e.g. ")
                  // The smallest detail of the two is the example, whichever came first.
                  .contains("WRONG_TYPE 2 (e.g. field 'amount'")
                  .contains("\"lots\"");
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  public void nothingDeadIsStillOneTallyThatCitesNothing() {
    PCollection<String> rows = p.apply("Rows", Create.of("a", "b"));
    PCollection<DeadLetterTally> tally =
        p.apply("NoDeadLetters", Create.empty(DeadLetter.DeadLetterCoder.of()))
            .apply(DeadLetterTally.counting(Map.<String, PCollection<?>>of("payments", rows)));
    PAssert.thatSingleton(tally)
        .satisfies(
            t -> {
              assertThat(t.valid("payments")).isEqualTo(2);
              assertThat(t.dead()).isZero();
              assertThat(t.cite("too few examples")).isEqualTo("too few examples");
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  public void mergingInAnyOrderGivesTheSameTallyAndItSurvivesJson() {
    DeadLetter a = letter("chargebacks", DeadLetterReason.WRONG_TYPE, "field 'label' is \"UP\"");
    DeadLetter b = letter("chargebacks", DeadLetterReason.WRONG_TYPE, "field 'label' is \"DOWN\"");
    DeadLetter c = letter("payments", DeadLetterReason.MISSING_FIELD, "no 'amount'");
    DeadLetterTally one =
        DeadLetterTally.of(a)
            .merge(DeadLetterTally.of(b))
            .merge(DeadLetterTally.of(c))
            .merge(DeadLetterTally.valid("payments", 10));
    DeadLetterTally other =
        DeadLetterTally.valid("payments", 10)
            .merge(DeadLetterTally.of(c))
            .merge(DeadLetterTally.of(b).merge(DeadLetterTally.of(a)));

    assertThat(one).isEqualTo(other);
    assertThat(DeadLetterTally.fromJson(one.toJson())).isEqualTo(one);
    assertThat(one.explain("chargebacks"))
        .isEqualTo(
            "2 chargebacks were dead letters: WRONG_TYPE 2 (e.g. field 'label' is \"DOWN\")");
    assertThat(one.cite("all 300 labelled examples are negative"))
        .startsWith("all 300 labelled examples are negative. Dead letters: 2 chargebacks were")
        .contains("1 of 11 payments were dead letters: MISSING_FIELD 1 (e.g. no 'amount')");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    one.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .containsPattern("payments\\s+11 in, 10 usable, 1 dead letters")
        .containsPattern("MISSING_FIELD\\s+1\\s+e\\.g\\. no 'amount'")
        .containsPattern("chargebacks\\s+2 dead letters");
  }
}
