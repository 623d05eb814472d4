package dev.freshet.pipelines.freshness;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.io.Serializable;

/**
 * What every policy of one experiment shares: the feature layout, when evaluation starts (the
 * initial model is trained on the labels known by then), the stream's end, the chart's slices, and
 * the training settings.
 *
 * @param evaluationStartMillis examples with an earlier event time are the warm-up: trained on by
 *     the initial model (those labelled by this time), never scored
 * @param endMillis one past the last event time; the chart's slices divide {@code [evaluation
 *     start, end)} equally
 * @param initial the configuration of the initial model
 * @param retrain the configuration of a retrain from scratch
 * @param update the configuration of a warm-start update (usually one pass at a lower rate)
 * @param sizes the continual micro-batch and the new labels a warm start waits for
 * @param retrainWindowMillis a retrain from scratch uses the examples whose labels became known in
 *     this trailing window
 * @param keepOptimizer whether a warm-start policy carries one optimiser across its updates
 */
public record ReplayPlan(
    FeatureLayout layout,
    long evaluationStartMillis,
    long endMillis,
    int slices,
    ModelConfig initial,
    ModelConfig retrain,
    ModelConfig update,
    UpdateSizes sizes,
    long retrainWindowMillis,
    boolean keepOptimizer)
    implements Serializable {

  /** Newly labelled examples per update of the continual policy. */
  public int continualBatchSize() {
    return sizes.continualBatchSize();
  }

  /** The new labels an update under {@code policy} waits for (see {@link UpdateSizes}). */
  public int minUpdateExamplesFor(UpdatePolicy policy) {
    return sizes.minUpdateExamplesFor(policy);
  }

  /** A warm start's configuration under {@code policy}: {@link #update()} with its settings. */
  public ModelConfig updateFor(UpdatePolicy policy) {
    return withSettings(update, policy);
  }

  /** A retrain's configuration under {@code policy}: {@link #retrain()} with its settings. */
  public ModelConfig retrainFor(UpdatePolicy policy) {
    return withSettings(retrain, policy);
  }

  /** A retrain's trailing window of label time under {@code policy}. */
  public long retrainWindowFor(UpdatePolicy policy) {
    return policy.windowMillis() != null ? policy.windowMillis() : retrainWindowMillis;
  }

  /** Whether {@code policy}'s warm starts carry one optimiser across updates. */
  public boolean keepsOptimizer(UpdatePolicy policy) {
    return policy.keepOptimizer() != null ? policy.keepOptimizer() : keepOptimizer;
  }

  private ModelConfig withSettings(ModelConfig base, UpdatePolicy policy) {
    ModelConfig.Builder b = base.toBuilder();
    if (policy.passes() != null) {
      b.epochs(policy.passes());
    }
    if (policy.learningRateFactor() != null) {
      b.learningRate((float) (initial.learningRate() * policy.learningRateFactor()));
    }
    if (policy.seed() != null) {
      b.seed(policy.seed());
    }
    return b.build();
  }

  /** The chart slice of event time {@code t} (at or after the evaluation start). */
  public int sliceOf(long t) {
    double width = (endMillis - evaluationStartMillis) / (double) slices;
    return (int) Math.min(slices - 1, Math.max(0, (t - evaluationStartMillis) / width));
  }

  /** Start of slice {@code i}, epoch ms. */
  public long sliceStart(int i) {
    return evaluationStartMillis
        + Math.round(i * (endMillis - evaluationStartMillis) / (double) slices);
  }
}
