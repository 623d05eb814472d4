package dev.freshet.pipelines.predictions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterReason;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/** The one parser of the predictions topic: predictions in, every other record a dead letter. */
public class ParsePredictionsTest {
  private static final String SPEC = "0123456789abcdef0123456789abcdef";

  private static final Prediction SHADOW =
      new Prediction(
          "p-1",
          1_767_225_600_000L,
          0.25f,
          false,
          "v2",
          "production",
          SPEC.substring(0, 16),
          new float[] {1f, 0.5f, -2f},
          1_767_225_600_020L,
          Map.of("v2", 0.25f, "v3", 0.75f));

  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  public void predictionsPassAndEverythingElseIsADeadLetterWithItsReason() {
    Prediction otherSpec =
        new Prediction(
            "p-2", 1L, 0.5f, true, "v9", "production", "ffffffffffffffff", new float[] {0f}, 2L);
    ParsePredictions.Result parsed =
        p.apply(Create.of(SHADOW.toJson(), "{not json", "{\"event_id\":\"x\"}", otherSpec.toJson()))
            .apply(ParsePredictions.create().requireSpec(SPEC));

    PCollection<String> ids =
        parsed
            .predictions()
            .apply("Ids", MapElements.into(TypeDescriptors.strings()).via(Prediction::eventId));
    PAssert.that(ids).containsInAnyOrder("p-1");
    PCollection<DeadLetterReason> reasons =
        parsed
            .deadLetters()
            .apply(
                "Reasons",
                MapElements.into(TypeDescriptor.of(DeadLetterReason.class))
                    .via(DeadLetter::reason));
    PAssert.that(reasons)
        .containsInAnyOrder(
            DeadLetterReason.MALFORMED_JSON,
            DeadLetterReason.MALFORMED_JSON,
            DeadLetterReason.SPEC_MISMATCH);
    PAssert.that(parsed.deadLetters())
        .satisfies(
            dead -> {
              dead.forEach(d -> assertThat(d.source()).isEqualTo("predictions"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  public void aPredictionSurvivesItsCoderAndItsJson() throws Exception {
    for (Prediction back :
        new Prediction[] {
          CoderUtils.clone(Prediction.PredictionCoder.of(), SHADOW),
          Prediction.parse(SHADOW.toJson())
        }) {
      assertThat(back.eventId()).isEqualTo("p-1");
      assertThat(back.features()).containsExactly(SHADOW.features());
      assertThat(back.scores()).isEqualTo(SHADOW.scores());
      assertThat(back.scoredAtMillis()).isEqualTo(SHADOW.scoredAtMillis());
      assertThat(back.toJson()).isEqualTo(SHADOW.toJson());
    }
  }
}
