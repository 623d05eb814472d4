package dev.freshet.pipelines.freshness;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.io.Serializable;

/**
 * An experiment's settings before the data is known; {@link #plan} fixes the evaluation start and
 * end on the stream.
 *
 * @param warmupFraction the share of the stream's time span that is warm-up, used when {@code
 *     warmupMillis} is 0
 * @param warmupMillis the warm-up as a duration from the first event
 */
public record ReplaySettings(
    FeatureLayout layout,
    double warmupFraction,
    long warmupMillis,
    int slices,
    ModelConfig initial,
    ModelConfig retrain,
    ModelConfig update,
    int microBatchSize,
    int minUpdateExamples,
    long retrainWindowMillis,
    boolean keepOptimizer)
    implements Serializable {

  /** The plan over {@code data} (in event-time order, not empty). */
  public ReplayPlan plan(StreamExamples data) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("no labelled examples: check --events and --outcomes");
    }
    long first = data.eventTime(0);
    long end = data.eventTime(data.size() - 1) + 1;
    long start =
        warmupMillis > 0
            ? first + warmupMillis
            : first + Math.round((end - first) * warmupFraction);
    if (start >= end) {
      throw new IllegalArgumentException(
          "--warmup: the warm-up covers the whole stream (" + (end - first) / 3_600_000.0 + " h)");
    }
    return plan(start, end);
  }

  /** The plan evaluating {@code [evaluationStartMillis, endMillis)}. */
  public ReplayPlan plan(long evaluationStartMillis, long endMillis) {
    return new ReplayPlan(
        layout,
        evaluationStartMillis,
        endMillis,
        slices,
        initial,
        retrain,
        update,
        microBatchSize,
        minUpdateExamples,
        retrainWindowMillis,
        keepOptimizer);
  }
}
