package dev.freshet.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.Aggregation;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.Feature;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.labels.Labeled;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;

/**
 * A user's own pipeline, written against the transforms artifact alone: recommendation impressions
 * with a "click within 10 minutes" natural label, their own schema, features and labels.
 */
public class ReuseAsLibraryTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final EventSchema IMPRESSIONS =
      EventSchema.builder("impressions")
          .id("impression_id")
          .time("shown_at")
          .required("user", FieldType.STRING)
          .required("item", FieldType.STRING)
          .required("position", FieldType.LONG)
          .build();

  private static final EventSchema CLICKS =
      EventSchema.builder("clicks").id("impression_id").time("clicked_at").label("clicked").build();

  private static final FeatureSpec SPEC =
      FeatureSpec.builder("recommendations")
          .events(IMPRESSIONS)
          .outcomes(CLICKS)
          .labelWindow(Duration.standardMinutes(10))
          .key("user", "user")
          .key("item", "item")
          .feature(Feature.count("user_impressions_1h").by("user").over(Duration.standardHours(1)))
          .feature(Feature.outcomeRate("user_ctr_1d").by("user").over(Duration.standardDays(1)))
          .feature(
              Feature.outcomeCount("item_clicks_1h").by("item").over(Duration.standardHours(1)))
          .feature(
              Feature.of("item_distinct_users_1h", Aggregation.DISTINCT_COUNT, "user")
                  .by("item")
                  .over(Duration.standardHours(1)))
          .feature(Feature.value("position"))
          .build();

  private static String shown(String id, String minute, String user, String item, int position) {
    return String.format(
        "{\"impression_id\":\"%s\",\"shown_at\":\"2026-03-01T10:%s:00Z\",\"user\":\"%s\",\"item\":\"%s\",\"position\":%d}",
        id, minute, user, item, position);
  }

  private static String click(String id, String minute) {
    return String.format(
        "{\"impression_id\":\"%s\",\"clicked_at\":\"2026-03-01T10:%s:00Z\",\"clicked\":true}",
        id, minute);
  }

  @Test
  public void clicksWithinTenMinutesLabelImpressionsAndFeedFeatures() {
    ParseResult impressions =
        p.apply(
                "Impressions",
                Create.of(
                    shown("i1", "00", "ann", "shoes", 1),
                    shown("i2", "01", "ann", "hats", 2),
                    shown("i3", "20", "ann", "shoes", 1),
                    shown("i4", "21", "bob", "shoes", 3)))
            .apply("ParseImpressions", ParseEvents.json(IMPRESSIONS));
    ParseResult clicks =
        p.apply("Clicks", Create.of(click("i1", "03"), click("i2", "13")))
            .apply("ParseClicks", ParseEvents.json(CLICKS));

    JoinLabels.Result<Row> labels =
        impressions.rows().apply("JoinLabels", JoinLabels.events(SPEC, clicks.rows()));
    PAssert.that(labels.labeled())
        .satisfies(
            all -> {
              Map<String, Boolean> byId = new HashMap<>();
              for (Labeled<Row> l : all) {
                byId.put(l.value().getString("impression_id"), l.positive());
              }
              // i1 clicked after 3 minutes; i2's click came after 12 minutes: too late.
              assertThat(byId)
                  .containsExactlyInAnyOrderEntriesOf(
                      Map.of("i1", true, "i2", false, "i3", false, "i4", false));
              return null;
            });
    PAssert.that(labels.deadLetters())
        .satisfies(
            dead -> {
              assertThat(dead)
                  .extracting(d -> d.reason())
                  .containsExactly(DeadLetterReason.OUTCOME_AFTER_TIMEOUT);
              return null;
            });

    PAssert.that(
            impressions
                .rows()
                .apply("ExtractFeatures", ExtractFeatures.of(SPEC).withLabels(labels.labeled())))
        .satisfies(
            all -> {
              Map<String, float[]> byId = new HashMap<>();
              for (FeaturedEvent e : all) {
                byId.put(e.event().getString("impression_id"), e.features());
              }
              float[] i3 = byId.get("i3");
              float[] i4 = byId.get("i4");
              assertThat(i3).containsExactly(2f, 0.5f, 1f, 1f, 1f);
              // bob has no history; shoes was clicked once (known at 10:03) and shown to ann.
              assertThat(i4).containsExactly(0f, 0f, 1f, 1f, 3f);
              return null;
            });
    p.run().waitUntilFinish();
  }
}
