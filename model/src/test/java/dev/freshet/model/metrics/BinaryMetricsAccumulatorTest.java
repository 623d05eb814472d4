package dev.freshet.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

public class BinaryMetricsAccumulatorTest {

  private static BinaryMetricsAccumulator of(double[] scores, boolean[] labels) {
    BinaryMetricsAccumulator acc = BinaryMetricsAccumulator.create();
    for (int i = 0; i < scores.length; i++) {
      acc.add(scores[i], labels[i]);
    }
    return acc;
  }

  @Test
  public void aucCountsTiesAsHalf() {
    // positives {0.5, 0.8}, negatives {0.5, 0.2}: pairs (0.5,0.5)=1/2, (0.5,0.2)=1, (0.8,0.5)=1,
    // (0.8,0.2)=1 -> 3.5 / 4.
    BinaryMetrics m =
        of(new double[] {0.5, 0.5, 0.2, 0.8}, new boolean[] {true, false, false, true}).result();
    assertThat(m.auc()).isEqualTo(0.875);
    assertThat(m.aucExact()).isTrue();
    assertThat(m.examples()).isEqualTo(4);
    assertThat(m.positives()).isEqualTo(2);
    // threshold 0.5 predicts positive for 0.5, 0.5, 0.8: correct are 0.5(pos), 0.2(neg), 0.8(pos)
    assertThat(m.accuracy()).isEqualTo(0.75);
  }

  @Test
  public void allScoresTiedGiveAucOneHalf() {
    BinaryMetrics m = of(new double[] {0.3, 0.3, 0.3}, new boolean[] {true, false, false}).result();
    assertThat(m.auc()).isEqualTo(0.5);
  }

  @Test
  public void logLossOfKnownValues() {
    BinaryMetrics m = of(new double[] {0.8, 0.4}, new boolean[] {true, false}).result();
    double expected = -(Math.log(0.8) + Math.log(0.6)) / 2;
    assertThat(m.logLoss()).isCloseTo(expected, within(1e-12));
    assertThat(m.meanPrediction()).isCloseTo(0.6, within(1e-12));
    assertThat(m.baseRate()).isEqualTo(0.5);
    assertThat(m.calibration()).isCloseTo(1.2, within(1e-12));
    double entropy = Math.log(2);
    assertThat(m.normalizedEntropy()).isCloseTo(expected / entropy, within(1e-12));
  }

  @Test
  public void constantBaseRatePredictorHasNormalizedEntropyOne() {
    BinaryMetricsAccumulator acc = BinaryMetricsAccumulator.create();
    int n = 1000;
    int positives = 37;
    double rate = positives / (double) n;
    for (int i = 0; i < n; i++) {
      acc.add(rate, i < positives);
    }
    BinaryMetrics m = acc.result();
    assertThat(m.normalizedEntropy()).isCloseTo(1.0, within(1e-9));
    assertThat(m.calibration()).isCloseTo(1.0, within(1e-9));
    assertThat(m.auc()).isEqualTo(0.5);
  }

  @Test
  public void clampsCertainWrongPredictions() {
    BinaryMetrics m = of(new double[] {0.0, 1.0}, new boolean[] {true, false}).result();
    assertThat(m.logLoss()).isCloseTo(-Math.log(1e-15), within(1e-6));
    assertThat(m.auc()).isEqualTo(0.0);
  }

  @Test
  public void undefinedMetricsAreNaN() {
    BinaryMetrics empty = BinaryMetricsAccumulator.create().result();
    assertThat(empty.auc()).isNaN();
    assertThat(empty.logLoss()).isNaN();
    BinaryMetrics onlyNegatives = of(new double[] {0.1}, new boolean[] {false}).result();
    assertThat(onlyNegatives.auc()).isNaN();
    assertThat(onlyNegatives.normalizedEntropy()).isNaN();
  }

  @Test
  public void mergeEqualsOneAccumulatorOverAllData() {
    Random r = new Random(3);
    BinaryMetricsAccumulator all = BinaryMetricsAccumulator.create();
    BinaryMetricsAccumulator left = BinaryMetricsAccumulator.create();
    BinaryMetricsAccumulator right = BinaryMetricsAccumulator.create();
    for (int i = 0; i < 2000; i++) {
      double score = Math.round(r.nextDouble() * 50) / 50.0; // many ties
      boolean label = r.nextDouble() < score;
      all.add(score, label);
      (i % 3 == 0 ? left : right).add(score, label);
    }
    BinaryMetrics merged = left.merge(right).result();
    BinaryMetrics whole = all.result();
    assertThat(merged.auc()).isCloseTo(whole.auc(), within(1e-12));
    assertThat(merged.logLoss()).isCloseTo(whole.logLoss(), within(1e-12));
    assertThat(merged.examples()).isEqualTo(whole.examples());
    assertThat(merged.positives()).isEqualTo(whole.positives());
    assertThat(merged.accuracy()).isEqualTo(whole.accuracy());
    assertThat(merged.auc()).isBetween(0.6, 1.0);
  }

  @Test
  public void binnedModeKeepsTiesExactAndStaysClose() {
    Random r = new Random(5);
    BinaryMetricsAccumulator exact = new BinaryMetricsAccumulator(0.5, Integer.MAX_VALUE);
    BinaryMetricsAccumulator bounded = new BinaryMetricsAccumulator(0.5, 100);
    for (int i = 0; i < 5000; i++) {
      double score = r.nextDouble();
      boolean label = r.nextDouble() < score;
      exact.add(score, label);
      bounded.add(score, label);
    }
    BinaryMetrics e = exact.result();
    BinaryMetrics b = bounded.result();
    assertThat(e.aucExact()).isTrue();
    assertThat(b.aucExact()).isFalse();
    assertThat(b.auc()).isCloseTo(e.auc(), within(1e-3));

    BinaryMetricsAccumulator tiny = new BinaryMetricsAccumulator(0.5, 1);
    tiny.add(0.5, true).add(0.5, false).add(0.2, false).add(0.8, true);
    assertThat(tiny.result().aucExact()).isFalse();
    assertThat(tiny.result().auc()).isEqualTo(0.875);
  }

  @Test
  public void coderRoundTripsBothModes() throws Exception {
    BinaryMetricsAccumulator exact =
        of(new double[] {0.5, 0.5, 0.2, 0.8}, new boolean[] {true, false, false, true});
    BinaryMetricsAccumulator binned = new BinaryMetricsAccumulator(0.3, 1);
    binned.add(0.1, false).add(0.9, true).add(0.4, true);
    for (BinaryMetricsAccumulator acc : new BinaryMetricsAccumulator[] {exact, binned}) {
      BinaryMetricsAccumulator.AccumulatorCoder coder =
          BinaryMetricsAccumulator.AccumulatorCoder.of();
      byte[] bytes = CoderUtils.encodeToByteArray(coder, acc);
      BinaryMetricsAccumulator decoded = CoderUtils.decodeFromByteArray(coder, bytes);
      assertThat(decoded.result()).isEqualTo(acc.result());
      assertThat(CoderUtils.encodeToByteArray(coder, decoded)).isEqualTo(bytes);
    }
    BinaryMetrics m = exact.result();
    assertThat(
            CoderUtils.decodeFromByteArray(
                BinaryMetrics.MetricsCoder.of(),
                CoderUtils.encodeToByteArray(BinaryMetrics.MetricsCoder.of(), m)))
        .isEqualTo(m);
  }
}
