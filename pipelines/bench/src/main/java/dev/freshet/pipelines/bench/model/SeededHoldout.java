package dev.freshet.pipelines.bench.model;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.DeviceOption;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The same seeded training on each device (same rows, seed, hyper-parameters), evaluated on a
 * separate holdout; then each device's holdout scores against the first device's.
 */
final class SeededHoldout {
  private SeededHoldout() {}

  private record Result(
      DeviceOption device, double seconds, BinaryMetrics metrics, float[] scores) {}

  static void print(
      PrintStream out,
      ModelConfig base,
      List<DeviceOption> devices,
      SyntheticRows train,
      SyntheticRows holdout) {
    ModelConfig config = base.toBuilder().batchSize(512).learningRate(0.003f).seed(42).build();
    out.printf(
        Locale.ROOT,
        "Seeded training (%,d examples, %d epochs, batch 512, Adam 0.003, seed 42), holdout %,d"
            + " examples from another seed%n%n",
        train.features().length,
        config.epochs(),
        holdout.features().length);
    out.println(
        "| device | train s | holdout AUC | log loss | NE | accuracy | calibration | mean score |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    List<Result> results = new ArrayList<>();
    for (DeviceOption device : devices) {
      Result r = train(config.toBuilder().device(device).build(), train, holdout);
      results.add(r);
      BinaryMetrics m = r.metrics();
      out.printf(
          Locale.ROOT,
          "| %s | %.2f | %.6f | %.6f | %.6f | %.6f | %.4f | %.6f |%n",
          device,
          r.seconds(),
          m.auc(),
          m.logLoss(),
          m.normalizedEntropy(),
          m.accuracy(),
          m.calibration(),
          m.meanPrediction());
    }
    out.println();
    Result first = results.get(0);
    for (Result other : results.subList(1, results.size())) {
      ScoreComparison c = ScoreComparison.of(other.scores(), first.scores());
      out.printf(
          Locale.ROOT,
          "Holdout scores, %s against %s: %,d scores, max |diff| %.3e, mean |diff| %.3e,"
              + " decisions at 0.5 that differ: %,d%n",
          other.device(),
          first.device(),
          c.scores(),
          c.maxDiff(),
          c.meanDiff(),
          c.decisionsDiffer());
    }
    if (results.size() > 1) {
      out.println();
    }
  }

  private static Result train(ModelConfig config, SyntheticRows train, SyntheticRows holdout) {
    long start = System.nanoTime();
    try (BinaryClassifier model =
        ClassifierTrainer.of(config).train(train.layout(), train.features(), train.labels())) {
      double seconds = (System.nanoTime() - start) / 1e9;
      BinaryMetrics metrics = ModelEvaluation.evaluate(model, holdout.features(), holdout.labels());
      try (Scorer scorer = model.newScorer()) {
        return new Result(config.device(), seconds, metrics, scorer.score(holdout.features()));
      }
    }
  }
}
