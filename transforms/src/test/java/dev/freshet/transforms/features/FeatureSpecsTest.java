package dev.freshet.transforms.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.transforms.testing.Payments;
import org.joda.time.Duration;
import org.junit.Test;

/** Specs load from YAML, validate with messages that name the problem, and fingerprint stably. */
public class FeatureSpecsTest {
  private static final String YAML =
      String.join(
          "\n",
          "name: fraud",
          "events:",
          "  name: payments",
          "  id: event_id",
          "  time: event_time",
          "  type: event_type",
          "  types: [payment]",
          "  fields: {card_id: string, rider_id: \"string?\", city: \"string?\", amount: \"double?\"}",
          "outcomes:",
          "  name: chargebacks",
          "  id: event_id",
          "  time: outcome_time",
          "  label: label",
          "label_window: 48h",
          "keys: {card: card_id, rider: rider_id, all: \"*\"}",
          "features:",
          "  - {name: card_count_10m, agg: count, key: card, window: 10m}",
          "  - {name: card_sum_1h, agg: sum, field: amount, key: card, window: 1h}",
          "  - {name: all_count_10m, agg: count, key: all, window: PT10M}",
          "  - {name: card_fraud_rate_1d, agg: outcome_rate, key: card, window: 1d, missing: -1}",
          "  - {name: amount, agg: value, field: amount}",
          "  - {name: city, agg: category, field: city, buckets: 64}",
          "");

  @Test
  public void loadsYaml() {
    FeatureSpec spec = FeatureSpecs.parse(YAML);
    assertThat(spec.featureNames())
        .containsExactly(
            "card_count_10m",
            "card_sum_1h",
            "all_count_10m",
            "card_fraud_rate_1d",
            "amount",
            "city");
    assertThat(spec.labelWindow()).isEqualTo(Duration.standardHours(48));
    assertThat(spec.key("all").isGlobal()).isTrue();
    assertThat(spec.features().get(2).window()).isEqualTo(Duration.standardMinutes(10));
    assertThat(spec.features().get(3).missingValue()).isEqualTo(-1.0);
    assertThat(spec.events().field("rider_id").required()).isFalse();
    assertThat(spec.hasOutcomeFeatures()).isTrue();
  }

  @Test
  public void jsonIsAcceptedToo() {
    FeatureSpec spec =
        FeatureSpecs.parse(
            "{\"name\":\"j\",\"events\":{\"id\":\"id\",\"time\":\"ts\",\"fields\":{\"k\":\"string\"}},"
                + "\"keys\":{\"k\":\"k\"},\"features\":[{\"name\":\"n\",\"agg\":\"count\",\"key\":\"k\",\"window\":\"30s\"}]}");
    assertThat(spec.features().get(0).window()).isEqualTo(Duration.standardSeconds(30));
  }

  @Test
  public void fingerprintIsStableAndSensitive() {
    FeatureSpec a = FeatureSpecs.parse(YAML);
    FeatureSpec b = FeatureSpecs.parse(YAML);
    assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).hasSize(64);
    FeatureSpec otherWindow = FeatureSpecs.parse(YAML.replace("window: 10m", "window: 11m"));
    FeatureSpec otherLabel = FeatureSpecs.parse(YAML.replace("48h", "47h"));
    FeatureSpec otherOrder =
        FeatureSpecs.parse(
            YAML.replace(
                "  - {name: amount, agg: value, field: amount}\n  - {name: city, agg: category, field: city, buckets: 64}",
                "  - {name: city, agg: category, field: city, buckets: 64}\n  - {name: amount, agg: value, field: amount}"));
    assertThat(otherWindow.fingerprint()).isNotEqualTo(a.fingerprint());
    assertThat(otherLabel.fingerprint()).isNotEqualTo(a.fingerprint());
    assertThat(otherOrder.fingerprint()).isNotEqualTo(a.fingerprint());
    assertThat(Payments.SPEC.fingerprint()).isNotEqualTo(a.fingerprint());
  }

  @Test
  public void theLatestLabelsAreCountedOrBoundedInTime() {
    String more =
        String.join(
            "\n",
            "  - {name: card_last_outcome, agg: last_outcome, key: card, missing: 0.5}",
            "  - {name: card_rate_last20, agg: outcome_rate, key: card, last: 20}",
            "  - {name: rider_count_last5, agg: outcome_count, key: rider, last: 5, window: 7d}",
            "");
    FeatureSpec spec = FeatureSpecs.parse(YAML + more);
    Feature last = spec.features().get(spec.indexOf("card_last_outcome"));
    Feature rate = spec.features().get(spec.indexOf("card_rate_last20"));
    Feature count = spec.features().get(spec.indexOf("rider_count_last5"));
    assertThat(last.aggregation()).isEqualTo(Aggregation.LAST_OUTCOME);
    assertThat(last.horizon()).isEqualTo(Feature.DEFAULT_OUTCOME_HORIZON);
    assertThat(last.missingValue()).isEqualTo(0.5);
    assertThat(rate.last()).isEqualTo(20);
    assertThat(rate.readsLabelsAtEventTime()).isTrue();
    assertThat(count.horizon()).isEqualTo(Duration.standardDays(7));
    assertThat(spec.features().get(spec.indexOf("card_fraud_rate_1d")).readsLabelsAtEventTime())
        .isFalse();
    // The count is part of the vector's meaning.
    assertThat(FeatureSpecs.parse(YAML + more.replace("last: 20", "last: 21")).fingerprint())
        .isNotEqualTo(spec.fingerprint());

    assertThatThrownBy(
            () -> FeatureSpecs.parse(YAML.replace("key: card, window: 10m", "key: card, last: 3")))
        .hasMessageContaining("card_count_10m")
        .hasMessageContaining("'last' counts labels");
    assertThatThrownBy(() -> FeatureSpecs.parse(YAML + more.replace("last: 20", "last: -2")))
        .hasMessageContaining("card_rate_last20")
        .hasMessageContaining("last: -2");
  }

  @Test
  public void errorsNameTheProblem() {
    assertThatThrownBy(
            () ->
                FeatureSpecs.parse(
                    YAML.replace("field: amount, key: card", "field: amont, key: card")))
        .hasMessageContaining("card_sum_1h")
        .hasMessageContaining("amont");
    assertThatThrownBy(() -> FeatureSpecs.parse(YAML.replace("agg: sum", "agg: median")))
        .hasMessageContaining("median");
    assertThatThrownBy(
            () ->
                FeatureSpecs.parse(
                    YAML.replace("key: card, window: 10m", "key: cart, window: 10m")))
        .hasMessageContaining("cart");
    assertThatThrownBy(() -> FeatureSpecs.parse(YAML.replace("window: 1h", "window: soon")))
        .hasMessageContaining("soon");
    assertThatThrownBy(
            () ->
                FeatureSpecs.parse(
                    YAML.replace("field: city, buckets: 64", "field: city, buckets: 0")))
        .hasMessageContaining("buckets");
    assertThatThrownBy(
            () ->
                FeatureSpecs.parse(
                    YAML.replace(
                        "{name: amount, agg: value, field: amount}",
                        "{name: amount, agg: sum, field: city, key: card, window: 1h}")))
        .hasMessageContaining("numeric");
    assertThatThrownBy(() -> FeatureSpecs.parse("name: x\nfeatures: []\nevents: {id: a, time: b}"))
        .hasMessageContaining("no features");
  }

  @Test
  public void loadsFromAFileSystemPath() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("spec", ".yaml");
    java.nio.file.Files.writeString(file, YAML);
    assertThat(FeatureSpecs.load(file.toString()).fingerprint())
        .isEqualTo(FeatureSpecs.parse(YAML).fingerprint());
    assertThatThrownBy(() -> FeatureSpecs.load("/nonexistent/spec.yaml"))
        .hasMessageContaining("/nonexistent/spec.yaml");
  }
}
