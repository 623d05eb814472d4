package dev.freshet.transforms.testing;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import dev.freshet.transforms.features.Aggregation;
import dev.freshet.transforms.features.Feature;
import dev.freshet.transforms.features.FeatureSpec;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** A small payments domain for transform tests. Times are minutes after {@link #T0}. */
public final class Payments {
  public static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");

  public static final EventSchema EVENTS =
      EventSchema.builder("payments")
          .id("event_id")
          .time("event_time")
          .type("event_type", "payment")
          .required("card_id", FieldType.STRING)
          .optional("rider_id", FieldType.STRING)
          .optional("city", FieldType.STRING)
          .optional("amount", FieldType.DOUBLE)
          .build();

  public static final EventSchema OUTCOMES =
      EventSchema.builder("chargebacks").id("event_id").time("outcome_time").label("label").build();

  /**
   * card: count 10m, sum 1h, mean/min/max/last 1h, distinct cities 1h, time since last 1h, outcome
   * rate and count 1d, last outcome, outcome rate of the last 3; rider: count 1h, outcome count of
   * the last 5 within 2h; all: count 10m.
   */
  public static final FeatureSpec SPEC =
      FeatureSpec.builder("payments-test")
          .events(EVENTS)
          .outcomes(OUTCOMES)
          .labelWindow(Duration.standardHours(1))
          .key("card", "card_id")
          .key("rider", "rider_id")
          .globalKey("all")
          .feature(Feature.count("card_count_10m").by("card").over(minutes(10)))
          .feature(
              Feature.of("card_sum_1h", Aggregation.SUM, "amount").by("card").over(minutes(60)))
          .feature(
              Feature.of("card_mean_1h", Aggregation.MEAN, "amount").by("card").over(minutes(60)))
          .feature(
              Feature.of("card_min_1h", Aggregation.MIN, "amount").by("card").over(minutes(60)))
          .feature(
              Feature.of("card_max_1h", Aggregation.MAX, "amount").by("card").over(minutes(60)))
          .feature(
              Feature.of("card_last_1h", Aggregation.LAST, "amount").by("card").over(minutes(60)))
          .feature(
              Feature.of("card_cities_1h", Aggregation.DISTINCT_COUNT, "city")
                  .by("card")
                  .over(minutes(60)))
          .feature(Feature.timeSinceLast("card_since_last_1h").by("card").over(minutes(60)))
          .feature(Feature.count("rider_count_1h").by("rider").over(minutes(60)))
          .feature(Feature.count("all_count_10m").by("all").over(minutes(10)))
          .feature(Feature.outcomeRate("card_fraud_rate_1d").by("card").over(minutes(24 * 60)))
          .feature(Feature.outcomeCount("card_frauds_1d").by("card").over(minutes(24 * 60)))
          .feature(Feature.lastOutcome("card_last_outcome").by("card").withMissing(0.5))
          .feature(Feature.outcomeRate("card_fraud_rate_last3").by("card").overLast(3))
          .feature(
              Feature.outcomeCount("rider_frauds_last5_2h")
                  .by("rider")
                  .overLast(5)
                  .over(minutes(120)))
          .feature(Feature.value("amount"))
          .feature(Feature.category("city", 100))
          .build();

  /** The same spec without outcome-derived features. */
  public static final FeatureSpec EVENT_ONLY_SPEC = withoutOutcomeFeatures(SPEC);

  private Payments() {}

  public static Duration minutes(long m) {
    return Duration.standardMinutes(m);
  }

  public static Instant at(double minutes) {
    return T0.plus(Duration.millis(Math.round(minutes * 60_000)));
  }

  public static Row payment(
      String id, double minutes, String card, String rider, String city, Double amount) {
    return Row.withSchema(EVENTS.beamSchema())
        .withFieldValue("event_id", id)
        .withFieldValue("event_time", at(minutes))
        .withFieldValue("event_type", "payment")
        .withFieldValue("card_id", card)
        .withFieldValue("rider_id", rider)
        .withFieldValue("city", city)
        .withFieldValue("amount", amount)
        .build();
  }

  public static Row outcome(String id, double minutes, boolean positive) {
    return Row.withSchema(OUTCOMES.beamSchema())
        .withFieldValue("event_id", id)
        .withFieldValue("outcome_time", at(minutes))
        .withFieldValue("label", positive)
        .build();
  }

  private static FeatureSpec withoutOutcomeFeatures(FeatureSpec spec) {
    FeatureSpec.Builder b = FeatureSpec.builder(spec.name() + "-events").events(spec.events());
    spec.keys().forEach(b::key);
    spec.features().stream().filter(f -> !f.aggregation().isFromOutcomes()).forEach(b::feature);
    return b.build();
  }
}
