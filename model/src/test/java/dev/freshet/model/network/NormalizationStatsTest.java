package dev.freshet.model.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.FeatureLayout;
import org.junit.Test;

public class NormalizationStatsTest {
  private static final FeatureLayout LAYOUT =
      FeatureLayout.builder("v1").numeric("a").categorical("c", 4).numeric("b").build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static float[][] rows(float... pairs) {
    float[][] rows = new float[pairs.length / 2][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new float[] {pairs[2 * i], 1, pairs[2 * i + 1]};
    }
    return rows;
  }

  @Test
  public void fitKeepsMeanStdAndRangeOfTheFiniteValues() {
    NormalizationStats stats =
        NormalizationStats.fit(LAYOUT, rows(1, Float.NaN, 3, Float.NaN, 5, Float.NaN));
    assertThat(stats.mean()).containsExactly(3, 0);
    assertThat(stats.std()).containsExactly(2, 1);
    assertThat(stats.min()).containsExactly(1, 0);
    assertThat(stats.max()).containsExactly(5, 0);
    assertThat(stats.hasRange()).isTrue();
  }

  @Test
  public void updatedWithAMemoryOfTheFittedCountIsTheFitOfTheUnion() {
    float[][] first = rows(1, 10, 2, 20, 3, 30, 4, 40);
    float[][] second = rows(10, 5, 12, 6, 14, 7);
    float[][] union = rows(1, 10, 2, 20, 3, 30, 4, 40, 10, 5, 12, 6, 14, 7);
    NormalizationStats updated = NormalizationStats.fit(LAYOUT, first).updated(LAYOUT, second, 4);
    NormalizationStats expected = NormalizationStats.fit(LAYOUT, union);
    for (int j = 0; j < 2; j++) {
      assertThat(updated.mean()[j]).isCloseTo(expected.mean()[j], within(1e-9));
      assertThat(updated.std()[j]).isCloseTo(expected.std()[j], within(1e-9));
    }
    assertThat(updated.min()).containsExactly(expected.min());
    assertThat(updated.max()).containsExactly(expected.max());
  }

  @Test
  public void jsonRoundTripsAndModelsWithoutRangesReadBack() throws Exception {
    NormalizationStats stats = NormalizationStats.fit(LAYOUT, rows(1, 2, 3, 4));
    assertThat(JSON.readValue(JSON.writeValueAsString(stats), NormalizationStats.class))
        .isEqualTo(stats);
    NormalizationStats old =
        JSON.readValue("{\"mean\":[1.0,2.0],\"std\":[1.0,1.0]}", NormalizationStats.class);
    assertThat(old.hasRange()).isFalse();
    assertThat(JSON.writeValueAsString(old)).doesNotContain("min");
  }

  @Test
  public void aRangeNeedsBothEndsInOrder() {
    assertThatThrownBy(
            () ->
                new NormalizationStats(new double[] {0}, new double[] {1}, new double[] {0}, null))
        .hasMessageContaining("both min and max");
    assertThatThrownBy(
            () ->
                new NormalizationStats(
                    new double[] {0}, new double[] {1}, new double[] {2}, new double[] {1}))
        .hasMessageContaining("min 2.0 is not at most max 1.0");
  }

  @Test
  public void theEncoderClipsToTheRangeAndOldModelsAtFiftyStandardDeviations() {
    NormalizationStats stats = NormalizationStats.fit(LAYOUT, rows(0, 0, 10, 100));
    FeatureEncoder encoder = new FeatureEncoder(LAYOUT, stats);
    float[] inside = encoder.encode(new float[][] {{10, 2, 100}});
    float[] outside = encoder.encode(new float[][] {{1e6f, 2, -1e6f}});
    assertThat(outside[0]).isEqualTo(inside[0]);
    assertThat(outside[1]).isEqualTo(encoder.encode(new float[][] {{0, 2, 0}})[1]);
    FeatureEncoder old =
        new FeatureEncoder(LAYOUT, new NormalizationStats(stats.mean(), stats.std()));
    assertThat(old.encode(new float[][] {{1e6f, 2, -1e6f}}))
        .containsExactly(FeatureEncoder.CLIP, -FeatureEncoder.CLIP, 2);
  }
}
