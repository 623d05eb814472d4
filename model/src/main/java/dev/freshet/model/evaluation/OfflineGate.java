package dev.freshet.model.evaluation;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.SmokeTestSet;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline gate (DESIGN contract 5): a candidate is compared with production on the fixed
 * smoke-test set and passes only if every score is finite, its normalised entropy is not worse than
 * production's by more than {@code maxNeRegression} (relative), and its calibration (mean
 * prediction / positive rate) lies within {@code [1/maxCalibrationRatio, maxCalibrationRatio]}.
 */
public record OfflineGate(double maxNeRegression, double maxCalibrationRatio)
    implements Serializable {

  public OfflineGate {
    if (!(maxNeRegression >= 0)) {
      throw new IllegalArgumentException(
          "--maxNeRegression must be zero or positive, got " + maxNeRegression);
    }
    if (!(maxCalibrationRatio > 1)) {
      throw new IllegalArgumentException(
          "--maxCalibrationRatio must be greater than 1, got " + maxCalibrationRatio);
    }
  }

  /** The gate's verdict with its evidence: both models' smoke-test metrics and what failed. */
  public record Verdict(BinaryMetrics candidate, BinaryMetrics production, List<String> failures) {
    public boolean passed() {
      return failures.isEmpty();
    }

    /** True when the candidate produced a non-finite score: its weights are unusable. */
    public boolean broken() {
      return failures.stream().anyMatch(f -> f.startsWith(NON_FINITE));
    }
  }

  private static final String NON_FINITE = "non-finite scores";

  /** Judges {@code candidate} against {@code production} on the smoke-test set. */
  public Verdict judge(
      BinaryClassifier candidate, BinaryClassifier production, SmokeTestSet smoke) {
    List<String> failures = new ArrayList<>();
    float[] scores = scores(candidate, smoke);
    int nonFinite = 0;
    for (float s : scores) {
      if (!Float.isFinite(s)) {
        nonFinite++;
      }
    }
    if (nonFinite > 0) {
      failures.add(NON_FINITE + ": " + nonFinite + " of " + scores.length + " smoke-test scores");
    }
    BinaryMetrics c = metrics(scores, smoke.labels());
    BinaryMetrics p = metrics(scores(production, smoke), smoke.labels());
    double allowedNe = p.normalizedEntropy() * (1 + maxNeRegression);
    if (!(c.normalizedEntropy() <= allowedNe)) {
      failures.add(
          String.format(
              "NE %.4f is worse than production's %.4f by more than %.1f%% (limit %.4f)",
              c.normalizedEntropy(), p.normalizedEntropy(), maxNeRegression * 100, allowedNe));
    }
    if (!(c.calibration() >= 1 / maxCalibrationRatio && c.calibration() <= maxCalibrationRatio)) {
      failures.add(
          String.format(
              "calibration %.3f outside [%.3f, %.3f]",
              c.calibration(), 1 / maxCalibrationRatio, maxCalibrationRatio));
    }
    return new Verdict(c, p, List.copyOf(failures));
  }

  private static float[] scores(BinaryClassifier model, SmokeTestSet smoke) {
    try (Scorer scorer = model.newScorer()) {
      return scorer.score(smoke.features());
    }
  }

  private static BinaryMetrics metrics(float[] scores, float[] labels) {
    BinaryMetricsAccumulator acc = BinaryMetricsAccumulator.create();
    for (int i = 0; i < scores.length; i++) {
      // A non-finite score counts as the worst possible prediction rather than poisoning the sums.
      double s = Float.isFinite(scores[i]) ? scores[i] : (labels[i] > 0.5f ? 0 : 1);
      acc.add(s, labels[i] > 0.5f);
    }
    return acc.result();
  }
}
