package dev.freshet.transforms.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;

/** Reference bins: quantile edges, measured proportions, the missing bin, validation. */
public class FeatureBinsTest {
  @Test
  public void decilesOfAUniformColumn() {
    float[] values = new float[100];
    for (int i = 0; i < 100; i++) {
      values[i] = i + 1;
    }
    FeatureBins bins = FeatureBins.numeric("x", values, 10);
    assertThat(bins.edges()).containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90);
    // Ten value bins of 10% and an empty missing bin.
    assertThat(bins.proportions()).hasSize(11).startsWith(0.1, 0.1).endsWith(0.1, 0.0);
    // Upper edges are inclusive.
    assertThat(bins.binOf(10)).isEqualTo(0);
    assertThat(bins.binOf(10.5f)).isEqualTo(1);
    assertThat(bins.binOf(-1e9f)).isEqualTo(0);
    assertThat(bins.binOf(Float.POSITIVE_INFINITY)).isEqualTo(9);
    assertThat(bins.binOf(Float.NaN)).isEqualTo(bins.missingBin()).isEqualTo(10);
  }

  @Test
  public void tiedQuantilesCollapseAndTheProportionsAreMeasured() {
    // A count: 70% zeros, 20% ones, 10% fives, and a NaN.
    float[] values = new float[101];
    for (int i = 70; i < 90; i++) {
      values[i] = 1;
    }
    for (int i = 90; i < 100; i++) {
      values[i] = 5;
    }
    values[100] = Float.NaN;
    FeatureBins bins = FeatureBins.numeric("n", values, 10);
    assertThat(bins.edges()).containsExactly(0, 1);
    assertThat(bins.proportions()).containsExactly(70 / 101.0, 20 / 101.0, 10 / 101.0, 1 / 101.0);
  }

  @Test
  public void aConstantColumnStillFlagsValuesAboveIt() {
    FeatureBins bins = FeatureBins.numeric("c", new float[] {3, 3, 3}, 10);
    assertThat(bins.edges()).containsExactly(3);
    assertThat(bins.proportions()).containsExactly(1, 0, 0);
    assertThat(bins.binOf(4)).isEqualTo(1);
  }

  @Test
  public void categoricalColumnsGetABinPerBucket() {
    FeatureBins bins = FeatureBins.categorical("city", new float[] {0, 1, 1, 3}, 4);
    assertThat(bins.categorical()).isTrue();
    assertThat(bins.proportions()).containsExactly(0.25, 0.5, 0, 0.25, 0);
    for (int b = 0; b < 4; b++) {
      assertThat(bins.binOf(b)).isEqualTo(b);
    }
  }

  @Test
  public void storedBinsAreValidated() {
    assertThatThrownBy(
            () -> FeatureBins.of("x", false, new double[] {2, 1}, new double[] {0, 1, 0, 0}))
        .hasMessageContaining("'x'")
        .hasMessageContaining("increasing");
    assertThatThrownBy(() -> FeatureBins.of("x", false, new double[] {1}, new double[] {0.5, 0.5}))
        .hasMessageContaining("need 3 proportions");
    assertThatThrownBy(
            () -> FeatureBins.of("x", false, new double[] {1}, new double[] {0.5, 0.6, 0}))
        .hasMessageContaining("sum to 1");
    assertThatThrownBy(() -> FeatureBins.numeric("x", new float[0], 10))
        .hasMessageContaining("at least one value");
    assertThatThrownBy(
            () -> FeatureBins.of("x", false, new double[] {1}, new double[] {0.5, 0.5, 0}, 3, 2))
        .hasMessageContaining("range [3.0, 2.0] is not a range");
  }

  @Test
  public void numericColumnsKeepTheirRangeAndCategoricalOnesNone() {
    FeatureBins numeric = FeatureBins.numeric("x", new float[] {4, -2, Float.NaN, 7}, 4);
    assertThat(numeric.hasRange()).isTrue();
    assertThat(numeric.min()).isEqualTo(-2);
    assertThat(numeric.max()).isEqualTo(7);
    assertThat(numeric.outside(-2.5f)).isEqualTo(-1);
    assertThat(numeric.outside(7)).isZero();
    assertThat(numeric.outside(7.5f)).isEqualTo(1);
    assertThat(numeric.outside(Float.NaN)).isZero();
    FeatureBins categorical = FeatureBins.categorical("c", new float[] {0, 1}, 3);
    assertThat(categorical.hasRange()).isFalse();
    assertThat(categorical.outside(99)).isZero();
    FeatureBins stored = FeatureBins.of("x", false, numeric.edges(), numeric.proportions(), -2, 7);
    assertThat(stored).isEqualTo(numeric);
    assertThat(FeatureBins.of("x", false, numeric.edges(), numeric.proportions()))
        .isNotEqualTo(numeric);
  }

  @Test
  public void aReferenceBinsVectorsAndSurvivesSerialization() {
    DriftReference reference =
        DriftReference.fitter(4)
            .numeric("a")
            .categorical("b", 3)
            .fit(new float[][] {{1, 0}, {2, 1}, {3, 2}, {4, 2}});
    assertThat(reference.featureNames()).containsExactly("a", "b");
    assertThat(reference.examples()).isEqualTo(4);
    assertThat(reference.bin(new float[] {2.5f, 2})).containsExactly(2, 2);
    assertThat(SerializableUtils.clone(reference)).isEqualTo(reference);
    assertThatThrownBy(() -> reference.bin(new float[] {1}))
        .hasMessageContaining("describes 2 features");
  }
}
