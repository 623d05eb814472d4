package dev.freshet.transforms.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.Test;

/** PSI and KS on distributions whose answer is known. */
public class DriftStatisticsTest {
  private static final DriftReference.Fitter ONE_FEATURE =
      DriftReference.fitter(DriftReference.DEFAULT_BINS).numeric("x");

  @Test
  public void psiAndKsMatchTheHandComputedValues() {
    // Reference half and half; the window 80/20.
    // PSI = 0.3 ln(0.8/0.5) + (-0.3) ln(0.2/0.5) = 0.14100 + 0.27489 = 0.41589
    double[] expected = {0.5, 0.5, 0};
    double[] observed = {0.8, 0.2, 0};
    assertThat(DriftStatistics.psi(expected, observed)).isCloseTo(0.41589, within(1e-5));
    assertThat(DriftStatistics.ks(expected, observed, 2)).isCloseTo(0.3, within(1e-12));
  }

  @Test
  public void anEmptyBinCountsWithTheDocumentedEpsilon() {
    // Bins empty on both sides add nothing.
    assertThat(DriftStatistics.psi(new double[] {0.5, 0.5, 0}, new double[] {0.5, 0.5, 0}))
        .isEqualTo(0.0);
    // A bin that empties: 0.5 ln 2 + (1e-4 - 0.5) ln(1e-4 / 0.5) = 0.34657 + 4.25775.
    assertThat(DriftStatistics.psi(new double[] {0.5, 0.5}, new double[] {1, 0}))
        .isCloseTo(0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), within(1e-12))
        .isCloseTo(4.60432, within(1e-5));
  }

  @Test
  public void aWindowFromTheReferenceDistributionIsStable() {
    DriftReference reference = ONE_FEATURE.fit(normal(20_000, 0, 1, 1));
    FeatureDrift drift =
        DriftStatistics.compare(reference, counts(reference, normal(5_000, 0, 1, 2))).get(0);
    // Sampling noise only: about (bins - 1) / n = 0.002.
    assertThat(drift.psi()).isLessThan(0.01);
    assertThat(drift.ks()).isLessThan(0.03);
    assertThat(drift.examples()).isEqualTo(5_000);
  }

  @Test
  public void aShiftedWindowIsFarAboveTheRuleOfThumb() {
    DriftReference reference = ONE_FEATURE.fit(normal(20_000, 0, 1, 1));
    // Mean moved by one standard deviation: KS of N(0,1) vs N(1,1) is 2 Phi(0.5) - 1 = 0.383.
    FeatureDrift shifted =
        DriftStatistics.compare(reference, counts(reference, normal(5_000, 1, 1, 2))).get(0);
    assertThat(shifted.psi()).isGreaterThan(0.5);
    assertThat(shifted.ks()).isCloseTo(0.383, within(0.03));
    // A smaller shift (0.2 sd) stays below 0.2: the rule of thumb is not hair-trigger.
    FeatureDrift small =
        DriftStatistics.compare(reference, counts(reference, normal(5_000, 0.2, 1, 3))).get(0);
    assertThat(small.psi()).isBetween(0.01, 0.2);
  }

  @Test
  public void missingValuesAppearingIsDriftEvenWhenTheValuesAreUnchanged() {
    DriftReference reference = ONE_FEATURE.fit(normal(20_000, 0, 1, 1));
    float[][] window = normal(2_000, 0, 1, 2);
    for (int i = 0; i < 600; i++) {
      window[i][0] = Float.NaN;
    }
    FeatureDrift drift = DriftStatistics.compare(reference, counts(reference, window)).get(0);
    // 30% in a bin the reference never used: 0.3 ln(0.3 / 1e-4) alone is 2.4.
    assertThat(drift.psi()).isGreaterThan(2);
    // KS looks at the values only, which did not move.
    assertThat(drift.ks()).isLessThan(0.05);
  }

  @Test
  public void onlyTheShiftedFeatureOfAVectorMoves() {
    DriftReference reference =
        DriftReference.fitter(10)
            .numeric("a")
            .numeric("b")
            .categorical("c", 4)
            .fit(vectors(20_000, 1, 1));
    List<FeatureDrift> drift =
        DriftStatistics.compare(reference, counts(reference, vectors(3_000, 3, 2)));
    assertThat(drift).extracting(FeatureDrift::feature).containsExactly("a", "b", "c");
    assertThat(drift.get(0).psi()).isLessThan(0.02);
    assertThat(drift.get(1).psi()).isGreaterThan(0.5);
    assertThat(drift.get(2).psi()).isLessThan(0.02);
    assertThat(drift.get(2).ks()).isNaN();
  }

  /** Columns: a ~ N(0,1); b ~ N(0,1) times {@code scale}; c uniform over 4 buckets. */
  private static float[][] vectors(int n, float scale, long seed) {
    Random r = new Random(seed);
    float[][] v = new float[n][];
    for (int i = 0; i < n; i++) {
      v[i] = new float[] {(float) r.nextGaussian(), scale * (float) r.nextGaussian(), r.nextInt(4)};
    }
    return v;
  }

  static float[][] normal(int n, double mean, double sd, long seed) {
    Random r = new Random(seed);
    float[][] v = new float[n][];
    for (int i = 0; i < n; i++) {
      v[i] = new float[] {(float) (mean + sd * r.nextGaussian())};
    }
    return v;
  }

  static BinCounts counts(DriftReference reference, float[][] vectors) {
    BinCounts counts = BinCounts.empty();
    for (float[] v : vectors) {
      counts.add(reference.bin(v));
    }
    return counts;
  }
}
