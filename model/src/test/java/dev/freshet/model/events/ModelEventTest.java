package dev.freshet.model.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.transforms.drift.FeatureDrift;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.junit.Test;

/** Model events: the topic's JSON, written and read back by one class. */
public class ModelEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-01-10T02:27:00Z");

  private static final ModelEvent.Online ONLINE =
      new ModelEvent.Online(
          new ModelEvent.Arm("v1", 4001, 112, 0.0048, 0.0375, 0.9995, 0.99),
          new ModelEvent.Arm("v2", 4001, 112, 0.0047, 0.0367, 0.9995, 0.99),
          new ModelEvent.Test("Welch z", 0.04, 2.24, 4, 4, 0.05));

  @Test
  public void aCandidateCarriesItsOfflineEvidence() throws Exception {
    ModelEvent candidate =
        ModelEvent.of(Type.CANDIDATE, "v2", "learn")
            .at(AT)
            .parent("v1")
            .production("v1")
            .examples(1000L)
            .labelTime(AT)
            .smokeTest(new ModelEvent.SmokeTest(0.0364, 0.0368, 0.99, 0.98, 1.01, 4000, 0.5, 2))
            .build();
    JsonNode json = JSON.readTree(candidate.toJson());
    assertThat(json.get("type").asText()).isEqualTo("candidate");
    assertThat(json.get("at").asText()).isEqualTo("2026-01-10T02:27:00Z");
    assertThat(json.get("parent").asText()).isEqualTo("v1");
    assertThat(json.get("smoke_test").get("candidate_ne").asDouble()).isEqualTo(0.0364);
    assertThat(json.has("online")).isFalse();
    assertThat(json.has("reason")).isFalse();
    assertThat(ModelEvent.parse(candidate.toJson())).isEqualTo(candidate);
  }

  @Test
  public void aRollBackNamesItsArmsPredecessorAndPromoted() throws Exception {
    ModelEvent rolledBack =
        ModelEvent.of(Type.ROLLED_BACK, "v2", "promoter")
            .at(AT)
            .online(ONLINE)
            .restored("v1")
            .build();
    JsonNode online = JSON.readTree(rolledBack.toJson()).get("online");
    assertThat(online.get("predecessor").get("version").asText()).isEqualTo("v1");
    assertThat(online.get("promoted").get("version").asText()).isEqualTo("v2");
    assertThat(online.get("test").get("look").asInt()).isEqualTo(4);
    assertThat(ModelEvent.parse(rolledBack.toJson())).isEqualTo(rolledBack);

    ModelEvent promoted =
        ModelEvent.of(Type.PROMOTED, "v2", "promoter").at(AT).online(ONLINE).previous("v1").build();
    JsonNode arms = JSON.readTree(promoted.toJson()).get("online");
    assertThat(arms.get("production").get("version").asText()).isEqualTo("v1");
    assertThat(arms.get("challenger").get("version").asText()).isEqualTo("v2");
    assertThat(ModelEvent.parse(promoted.toJson())).isEqualTo(promoted);
  }

  @Test
  public void aDriftEventWithoutKsWritesNull() throws Exception {
    ModelEvent drift =
        ModelEvent.of(Type.DRIFT, "v1", "serve")
            .at(AT)
            .examples(800L)
            .drift(
                new ModelEvent.Drift(
                    "amount", 0.41, Double.NaN, 0.2, AT, AT.plusSeconds(3600), 20_000))
            .build();
    JsonNode json = JSON.readTree(drift.toJson());
    assertThat(json.get("ks").isNull()).isTrue();
    assertThat(json.get("window_end").asText()).isEqualTo("2026-01-10T03:27:00Z");
    assertThat(json.get("examples").asLong()).isEqualTo(800);
    ModelEvent back = ModelEvent.parse(drift.toJson());
    assertThat(back.drift().feature()).isEqualTo("amount");
    assertThat(back.drift().ks()).isNaN();
    assertThat(back.examples()).isEqualTo(800L);
  }

  @Test
  public void aDriftEventOutOfTheTrainingRangeRoundTrips() throws Exception {
    ModelEvent drift =
        ModelEvent.of(Type.DRIFT, "v1", "serve")
            .at(AT)
            .examples(500L)
            .reason("PSI 8.3 ...")
            .drift(
                new ModelEvent.Drift(
                    "account_age_days",
                    8.3,
                    0.9,
                    0.2,
                    AT,
                    AT.plusSeconds(3600),
                    20_000,
                    new FeatureDrift.OutOfRange(0, 365, 0, 480, 12, 910)))
            .build();
    JsonNode range = JSON.readTree(drift.toJson()).get("out_of_range");
    assertThat(range.get("above").asLong()).isEqualTo(480);
    assertThat(range.get("highest").asDouble()).isEqualTo(910);
    assertThat(range.get("overshoot").asDouble()).isCloseTo(545 / 365.0, within(1e-9));
    assertThat(ModelEvent.parse(drift.toJson())).isEqualTo(drift);
  }

  @Test
  public void somethingElseIsRefusedWithWhatItWas() {
    assertThatThrownBy(() -> ModelEvent.parse("{\"type\":\"promoted\"}"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("not a Freshet model event: {\"type\":\"promoted\"}");
    assertThatThrownBy(() -> ModelEvent.parse("{\"type\":\"exploded\",\"version\":\"v\"}"))
        .isInstanceOf(UncheckedIOException.class);
  }
}
