package dev.freshet.model.metrics;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.prediction.Scorer;

/** Plain-Java offline evaluation of a classifier on a labelled set (e.g. the smoke-test set). */
public final class ModelEvaluation {
  private static final int BATCH = 4096;

  private ModelEvaluation() {}

  /** Scores {@code features} in batches and returns the metrics at threshold 0.5. */
  public static BinaryMetrics evaluate(
      BinaryClassifier classifier, float[][] features, float[] labels) {
    if (features.length != labels.length) {
      throw new IllegalArgumentException("features and labels differ in length");
    }
    BinaryMetricsAccumulator acc = BinaryMetricsAccumulator.create();
    try (Scorer scorer = classifier.newScorer()) {
      for (int from = 0; from < features.length; from += BATCH) {
        int to = Math.min(features.length, from + BATCH);
        float[] scores = scorer.score(java.util.Arrays.copyOfRange(features, from, to));
        for (int i = 0; i < scores.length; i++) {
          acc.add(scores[i], labels[from + i] > 0.5f);
        }
      }
    }
    return acc.result();
  }
}
