package dev.freshet.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;

public class BinaryMetricsFnTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @Test
  public void combinesScoredLabelsInAPipeline() {
    PCollection<BinaryMetrics> metrics =
        pipeline
            .apply(
                "Scored",
                Create.of(KV.of(0.5, true), KV.of(0.5, false), KV.of(0.2, false), KV.of(0.8, true)))
            .apply("Metrics", Combine.globally(BinaryMetricsFn.create()));

    PAssert.thatSingleton(metrics)
        .satisfies(
            m -> {
              assertThat(m.auc()).isEqualTo(0.875);
              assertThat(m.examples()).isEqualTo(4);
              assertThat(m.positives()).isEqualTo(2);
              double logLoss = -(2 * Math.log(0.5) + Math.log(0.8) + Math.log(0.8)) / 4;
              assertThat(m.logLoss()).isCloseTo(logLoss, within(1e-12));
              assertThat(m.normalizedEntropy()).isCloseTo(logLoss / Math.log(2), within(1e-12));
              assertThat(m.accuracy()).isEqualTo(0.75);
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  @Test
  public void thresholdChangesAccuracyOnly() {
    BinaryMetricsFn fn = BinaryMetricsFn.withThreshold(0.6);
    BinaryMetricsAccumulator acc = fn.createAccumulator();
    fn.addInput(acc, KV.of(0.5, true));
    fn.addInput(acc, KV.of(0.7, true));
    BinaryMetrics m = fn.extractOutput(fn.mergeAccumulators(java.util.List.of(acc)));
    assertThat(m.accuracy()).isEqualTo(0.5);
    assertThat(m.threshold()).isEqualTo(0.6);
  }
}
