package dev.freshet.pipelines.freshness;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.io.Serializable;
import java.util.List;

/**
 * An experiment's settings before the data is known; {@link #plan} fixes the evaluation start and
 * end on the stream.
 *
 * @param warmupFraction the share of the stream's time span that is warm-up, used when {@code
 *     warmupMillis} is 0
 * @param warmupMillis the warm-up as a duration from the first event
 * @param continualBatchSize newly labelled examples per update of the continual policy; null:
 *     adapted to the warm-up's label rate (see {@link UpdateSizes})
 * @param minUpdateExamples the new labels a periodic warm start waits for; null: adapted per policy
 *     to the warm-up's label rate
 */
public record ReplaySettings(
    FeatureLayout layout,
    double warmupFraction,
    long warmupMillis,
    int slices,
    ModelConfig initial,
    ModelConfig retrain,
    ModelConfig update,
    Integer continualBatchSize,
    Integer minUpdateExamples,
    long retrainWindowMillis,
    boolean keepOptimizer)
    implements Serializable {

  /**
   * The plan of {@code policies} over {@code data} (in event-time order, not empty); sizes left
   * unset adapt to the labelled examples per day of event time in the warm-up.
   */
  public ReplayPlan plan(StreamExamples data, List<UpdatePolicy> policies) {
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
    double warmupDays = Math.max(1, start - first) / (double) UpdateSizes.DAY_MILLIS;
    return plan(start, end, data.firstAtOrAfter(start) / warmupDays, policies);
  }

  /**
   * The plan of {@code policies} evaluating {@code [evaluationStartMillis, endMillis)}, on a stream
   * whose warm-up brought {@code warmupLabelsPerDay}.
   */
  public ReplayPlan plan(
      long evaluationStartMillis,
      long endMillis,
      double warmupLabelsPerDay,
      List<UpdatePolicy> policies) {
    return new ReplayPlan(
        layout,
        evaluationStartMillis,
        endMillis,
        slices,
        initial,
        retrain,
        update,
        UpdateSizes.of(minUpdateExamples, continualBatchSize, warmupLabelsPerDay, policies),
        retrainWindowMillis,
        keepOptimizer);
  }
}
