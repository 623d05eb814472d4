package dev.freshet.pipelines.freshness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * The replay's rules on a synthetic stream whose concept flips half-way (the label is {@code x > 0}
 * before, {@code x < 0} after): fresher policies recover, and no policy learns from a label before
 * its label time.
 */
public class PrequentialReplayTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01
  private static final int N = 6_000; // one event a minute, about 4.2 days
  private static final FeatureLayout LAYOUT =
      FeatureLayout.builder("test").numeric("x").numeric("noise").build();

  private static StreamExamples flippingStream(long labelDelayMillis, int lateFrom) {
    return flippingStream(labelDelayMillis, lateFrom, labelDelayMillis);
  }

  /**
   * As above, with the labels of negatives from {@code lateFrom} on known after their own delay.
   */
  private static StreamExamples flippingStream(
      long labelDelayMillis, int lateFrom, long negativeDelayMillis) {
    Random random = new Random(3);
    List<String> ids = new ArrayList<>();
    float[][] x = new float[N][];
    long[] times = new long[N];
    long[] labelTimes = new long[N];
    float[] y = new float[N];
    for (int i = 0; i < N; i++) {
      ids.add("e" + i);
      float v = (float) random.nextGaussian();
      x[i] = new float[] {v, (float) random.nextGaussian()};
      times[i] = T0 + i * MINUTE;
      boolean before = i < N / 2;
      // 90% follow the concept, 10% noise.
      boolean concept = before ? v > 0 : v < 0;
      y[i] = (random.nextDouble() < 0.9) == concept ? 1 : 0;
      long delay = y[i] > 0 ? labelDelayMillis : negativeDelayMillis;
      labelTimes[i] = times[i] + (i < lateFrom ? 10 * MINUTE : delay);
    }
    return new StreamExamples(ids, x, times, labelTimes, y);
  }

  private static ReplayPlan plan(StreamExamples data) {
    ModelConfig initial =
        ModelConfig.builder().hiddenLayers(16).epochs(5).learningRate(0.01f).seed(7).build();
    return new ReplaySettings(
            LAYOUT,
            0.25,
            0,
            10,
            initial,
            initial.toBuilder().epochs(3).build(),
            initial.toBuilder().epochs(1).learningRate(0.003f).build(),
            100,
            100,
            12 * 3_600_000L,
            false)
        .plan(data, List.of());
  }

  private static List<PolicyResult> replay(StreamExamples data, String... policies) {
    PrequentialReplay replay = new PrequentialReplay(data, plan(data));
    List<PolicyResult> results = new ArrayList<>();
    try (BinaryClassifier initial = replay.initialModel()) {
      for (String p : policies) {
        results.add(replay.replay(UpdatePolicy.parse(p), initial, (a, b, c, d, e) -> {}));
      }
    }
    return results;
  }

  @Test
  public void fresherPoliciesRecoverFromAFlippedConcept() {
    List<PolicyResult> r =
        replay(
            flippingStream(10 * MINUTE, N),
            "static",
            "daily",
            "every-6h",
            "continual",
            "retrain-daily",
            "continual:adam=keep");
    double staticNe = r.get(0).metrics().normalizedEntropy();
    double daily = r.get(1).metrics().normalizedEntropy();
    double sixHourly = r.get(2).metrics().normalizedEntropy();
    double continual = r.get(3).metrics().normalizedEntropy();
    // The static model is confidently wrong on the second half.
    assertThat(staticNe).isGreaterThan(1.0);
    assertThat(continual).isLessThan(daily).isLessThan(staticNe);
    assertThat(sixHourly).isLessThan(daily);
    assertThat(r.get(4).metrics().normalizedEntropy()).isLessThan(staticNe);
    assertThat(r.get(5).metrics().normalizedEntropy()).isLessThan(staticNe);
    // Every evaluated example is scored once by every policy.
    assertThat(r).allSatisfy(p -> assertThat(p.metrics().examples()).isEqualTo(N - N / 4));
    assertThat(r.get(0).updates()).isZero();
    assertThat(r.get(3).updates()).isGreaterThan(r.get(1).updates());
  }

  @Test
  public void labelsNotYetKnownAreNeverLearnt() {
    // From just before the evaluation start on, labels become known only after the stream ends:
    // no policy can update, so every one scores exactly as the static model.
    List<PolicyResult> r =
        replay(flippingStream(10L * N * MINUTE, N / 4 - 60), "static", "hourly", "continual");
    for (PolicyResult p : r) {
      assertThat(p.updates()).isZero();
      assertThat(p.examplesTrained()).isZero();
      assertThat(p.metrics().examples()).isEqualTo(N - N / 4);
      // Equal up to the last bits (scores come in other batch sizes).
      assertThat(p.metrics().logLoss())
          .isCloseTo(r.get(0).metrics().logLoss(), org.assertj.core.data.Offset.offset(1e-6));
      assertThat(p.metrics().auc())
          .isCloseTo(r.get(0).metrics().auc(), org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  public void aRetrainWindowHoldsTheLabelsThatBecameKnownInIt() {
    // Positives are known 10 minutes after their event, negatives only 12 hours after (a
    // chargeback, or the timeout of its window). A window of event time would hold the last 6
    // hours' positives and none of their negatives, so no retrain could be made; a window of label
    // time holds both classes.
    List<PolicyResult> r =
        replay(flippingStream(10 * MINUTE, 0, 12 * 60 * MINUTE), "retrain-every-6h:window=6h");
    assertThat(r.get(0).updates()).isGreaterThan(5);
    assertThat(r.get(0).examplesTrained()).isPositive();
  }
}
