package dev.freshet.model.metrics;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.values.KV;

/**
 * Combines {@code KV<score, label>} pairs into {@link BinaryMetrics}, e.g. {@code
 * scored.apply("Metrics", Combine.globally(BinaryMetricsFn.create()))} or per key / per window. The
 * accumulator's coder is deterministic; see {@link BinaryMetricsAccumulator} for the memory of the
 * AUC state.
 */
public final class BinaryMetricsFn
    extends Combine.CombineFn<KV<Double, Boolean>, BinaryMetricsAccumulator, BinaryMetrics> {
  private final double threshold;

  private BinaryMetricsFn(double threshold) {
    this.threshold = threshold;
  }

  /** Accuracy at threshold 0.5. */
  public static BinaryMetricsFn create() {
    return new BinaryMetricsFn(0.5);
  }

  /** Accuracy at {@code threshold} (score {@code >=} threshold predicts positive). */
  public static BinaryMetricsFn withThreshold(double threshold) {
    return new BinaryMetricsFn(threshold);
  }

  @Override
  public BinaryMetricsAccumulator createAccumulator() {
    return new BinaryMetricsAccumulator(threshold);
  }

  @Override
  public BinaryMetricsAccumulator addInput(
      BinaryMetricsAccumulator acc, KV<Double, Boolean> scoredLabel) {
    return acc.add(scoredLabel.getKey(), scoredLabel.getValue());
  }

  @Override
  public BinaryMetricsAccumulator mergeAccumulators(Iterable<BinaryMetricsAccumulator> accs) {
    BinaryMetricsAccumulator merged = createAccumulator();
    for (BinaryMetricsAccumulator a : accs) {
      merged.merge(a);
    }
    return merged;
  }

  @Override
  public BinaryMetrics extractOutput(BinaryMetricsAccumulator acc) {
    return acc.result();
  }

  @Override
  public Coder<BinaryMetricsAccumulator> getAccumulatorCoder(
      CoderRegistry registry, Coder<KV<Double, Boolean>> inputCoder) {
    return BinaryMetricsAccumulator.AccumulatorCoder.of();
  }

  @Override
  public Coder<BinaryMetrics> getDefaultOutputCoder(
      CoderRegistry registry, Coder<KV<Double, Boolean>> inputCoder) {
    return BinaryMetrics.MetricsCoder.of();
  }
}
