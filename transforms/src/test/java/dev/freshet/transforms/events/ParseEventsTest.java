package dev.freshet.transforms.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.testing.Payments;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** Every malformed record becomes a dead letter with its reason and payload; in = valid + dead. */
public class ParseEventsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static String event(String id, String amount) {
    return "{\"event_id\":\""
        + id
        + "\",\"event_type\":\"payment\",\"event_time\":\"2026-01-05T08:00:00Z\",\"card_id\":\"c1\",\"amount\":"
        + amount
        + "}";
  }

  @Test
  public void everyRecordEndsAsARowOrADeadLetter() {
    List<String> input =
        List.of(
            event("ok1", "1.5"),
            event("ok2", "2"),
            "{not json",
            "{\"event_id\":\"m\",\"event_type\":\"payment\",\"event_time\":\"2026-01-05T08:00:00Z\"}",
            event("wrong", "\"lots\""),
            event("unknown", "1").replace("payment", "refund"),
            event("big", "1")
                .replace("\"amount\"", "\"pad\":\"" + "x".repeat(70_000) + "\",\"amount\""));

    ParseResult parsed =
        p.apply(Create.of(input)).apply(ParseEvents.json(Payments.EVENTS).withSource("events"));

    PAssert.that(
            parsed
                .rows()
                .apply(
                    MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("event_id"))))
        .containsInAnyOrder("ok1", "ok2");
    PAssert.that(parsed.deadLetters())
        .satisfies(
            dead -> {
              Map<DeadLetterReason, Integer> byReason = new HashMap<>();
              for (DeadLetter d : dead) {
                byReason.merge(d.reason(), 1, Integer::sum);
                assertThat(d.source()).isEqualTo("events");
                assertThat(d.payload())
                    .isNotEmpty()
                    .hasSizeLessThanOrEqualTo(DeadLetter.MAX_PAYLOAD_CHARS);
                assertThat(d.toJson()).contains("\"reason\":\"" + d.reason().name() + "\"");
              }
              assertThat(byReason)
                  .containsExactlyInAnyOrderEntriesOf(
                      Map.of(
                          DeadLetterReason.MALFORMED_JSON, 1,
                          DeadLetterReason.MISSING_FIELD, 1,
                          DeadLetterReason.WRONG_TYPE, 1,
                          DeadLetterReason.UNKNOWN_EVENT_TYPE, 1,
                          DeadLetterReason.OVERSIZED, 1));
              return null;
            });
    // Valid rows carry their event time as element timestamp.
    PAssert.that(parsed.rows().apply(Count.globally())).containsInAnyOrder(2L);

    PipelineResult result = p.run();
    result.waitUntilFinish();
    Map<String, Long> counters =
        counters(result.metrics().queryMetrics(MetricsFilter.builder().build()));
    assertThat(counters.get("events_in")).isEqualTo(7);
    assertThat(counters.get("events_valid") + counters.get("events_dead"))
        .isEqualTo(counters.get("events_in"));
    assertThat(counters.get("events_dead_OVERSIZED")).isEqualTo(1);
  }

  @Test
  public void validRowsAreStampedWithEventTime() {
    ParseResult parsed =
        p.apply(Create.of(event("ok", "1"))).apply(ParseEvents.json(Payments.EVENTS));
    PAssert.that(
            parsed
                .rows()
                .apply(Reify.timestamps())
                .apply(
                    MapElements.into(TypeDescriptors.longs())
                        .via(t -> t.getTimestamp().getMillis())))
        .containsInAnyOrder(Instant.parse("2026-01-05T08:00:00Z").getMillis());
    p.run().waitUntilFinish();
  }

  @Test
  public void aRecordStampedAfterItsEventTimeKeepsItsTimestampInsteadOfFailing() {
    Instant recordTime = Instant.parse("2026-01-05T09:00:00Z"); // an hour after the event
    ParseResult parsed =
        p.apply(Create.timestamped(TimestampedValue.of(event("late", "1"), recordTime)))
            .apply(ParseEvents.json(Payments.EVENTS).withSource("events"));
    PAssert.that(
            parsed
                .rows()
                .apply(Reify.timestamps())
                .apply(
                    MapElements.into(TypeDescriptors.longs())
                        .via(t -> t.getTimestamp().getMillis())))
        .containsInAnyOrder(recordTime.getMillis());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counters(result.metrics().queryMetrics(MetricsFilter.builder().build())))
        .containsEntry("events_behind_record_time", 1L)
        .containsEntry("events_valid", 1L);
  }

  static Map<String, Long> counters(MetricQueryResults metrics) {
    Map<String, Long> out = new HashMap<>();
    for (MetricResult<Long> c : metrics.getCounters()) {
      out.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    return out;
  }
}
