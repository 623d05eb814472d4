package dev.freshet.pipelines.learn;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;

/**
 * The online log loss and normalised entropy of one arm over tumbling windows of its last {@code
 * size} labelled predictions: until the first window is full, the metrics of all seen so far; then
 * those of the latest full window, so that a gauge moves when the arm's quality does and does not
 * swing with every small batch. Not thread-safe.
 */
final class ArmLossWindow {
  private final int size;
  private BinaryMetricsAccumulator current = BinaryMetricsAccumulator.create();
  private int filling;
  private BinaryMetrics latestFull;

  ArmLossWindow(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("window size must be at least 1, got " + size);
    }
    this.size = size;
  }

  /** Adds one labelled prediction: {@code score} the probability the arm gave. */
  void add(double score, boolean label) {
    current.add(score, label);
    if (++filling == size) {
      latestFull = current.result();
      current = BinaryMetricsAccumulator.create();
      filling = 0;
    }
  }

  /** The metrics to report: the latest full window's, or all so far before one; null if none. */
  BinaryMetrics report() {
    if (latestFull != null) {
      return latestFull;
    }
    return filling == 0 ? null : current.result();
  }
}
