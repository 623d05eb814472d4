package dev.freshet.transforms.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.testing.Payments;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/**
 * A decoder of another format plugged into the same parsing contract: the parser's rules and
 * reasons, the decoder's own failures, rows at their event time, payloads as the decoder renders
 * them, and {@code in = valid + dead}.
 */
public class DecodeEventsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Records as {@code field=value;field=value}; one without '=' is undecodable. */
  static final class KeyValueDecoder implements RecordDecoder<String> {
    @Override
    public RecordParser.Result decode(String record, RecordParser parser) {
      Map<String, Object> fields = new HashMap<>();
      for (String pair : record.split(";")) {
        int eq = pair.indexOf('=');
        if (eq < 0) {
          return RecordParser.Result.failure(
              DeadLetterReason.UNDECODABLE, "'" + pair + "' is not field=value");
        }
        String value = pair.substring(eq + 1);
        fields.put(
            pair.substring(0, eq),
            value.matches("-?\\d+(\\.\\d+)?") ? Double.valueOf(value) : value);
      }
      return parser.parse(fields::get);
    }

    @Override
    public String payload(String record) {
      return "kv:" + record;
    }
  }

  private static String payment(String id, String amount) {
    return "event_id="
        + id
        + ";event_type=payment;event_time=2026-01-05T08:00:00Z;card_id=c1;amount="
        + amount;
  }

  @Test
  public void aDecoderFollowsTheParsingContract() {
    List<String> input =
        List.of(
            payment("ok1", "1.5"),
            payment("ok2", "2"),
            "garbage",
            payment("missing", "1").replace("card_id=c1;", ""),
            payment("wrong", "lots"),
            payment("refund", "1").replace("payment", "refund"));

    ParseResult parsed =
        p.apply(Create.of(input))
            .apply(DecodeEvents.with(Payments.EVENTS, new KeyValueDecoder()).withSource("kv"));

    PAssert.that(
            parsed
                .rows()
                .apply(Reify.timestamps())
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (TimestampedValue<Row> r) ->
                                r.getValue().getString("event_id") + "@" + r.getTimestamp())))
        .containsInAnyOrder(
            "ok1@" + Instant.parse("2026-01-05T08:00:00Z"),
            "ok2@" + Instant.parse("2026-01-05T08:00:00Z"));
    PAssert.that(parsed.deadLetters())
        .satisfies(
            dead -> {
              Map<DeadLetterReason, Integer> reasons = new HashMap<>();
              for (DeadLetter d : dead) {
                reasons.merge(d.reason(), 1, Integer::sum);
                assertThat(d.source()).isEqualTo("kv");
                assertThat(d.payload()).startsWith("kv:");
              }
              assertThat(reasons)
                  .isEqualTo(
                      Map.of(
                          DeadLetterReason.UNDECODABLE, 1,
                          DeadLetterReason.MISSING_FIELD, 1,
                          DeadLetterReason.WRONG_TYPE, 1,
                          DeadLetterReason.UNKNOWN_EVENT_TYPE, 1));
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, Long> counters = new HashMap<>();
    for (MetricResult<Long> c :
        result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      counters.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    assertThat(counters)
        .containsEntry("kv_in", 6L)
        .containsEntry("kv_valid", 2L)
        .containsEntry("kv_dead", 4L)
        .containsEntry("kv_dead_UNDECODABLE", 1L);
  }
}
