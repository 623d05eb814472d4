package dev.freshet.pipelines.train;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.DeviceOption;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.examples.Example;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The model part of training, wherever the examples were computed: {@code freshet train} and the
 * worker jar run it in the submitting JVM after the bounded pipeline, the Dataflow template on one
 * worker inside the job. Splits the examples by event time, trains on the earlier part, evaluates
 * on the later part, registers the model (promoted if it is the first or beats production) and
 * writes the smoke-test set.
 */
public final class TrainAndRegister {
  private TrainAndRegister() {}

  /** What a run produced, for callers and tests. */
  public record Outcome(String versionId, BinaryMetrics holdout, boolean promoted) {}

  /** Checks the model options, failing with a message that names the option. */
  public static void validate(TrainOptions options) {
    holdoutFraction(options);
    config(options);
  }

  /** Fewest labelled examples train accepts. */
  public static final int MIN_EXAMPLES = 50;

  /**
   * The model part of training: splits {@code examples} by event time (sorting the list in place),
   * trains on the earlier part, evaluates on the later part, registers the model and promotes it if
   * it is the first or beats production's NE on the same holdout; writes the smoke-test set.
   */
  public static Outcome fit(
      TrainOptions options, FeatureSpec spec, List<Example> examples, PrintStream out)
      throws Exception {
    if (examples.size() < MIN_EXAMPLES) {
      throw new IllegalArgumentException(
          "only "
              + examples.size()
              + " labelled examples: too few to train; check --events and --outcomes");
    }
    double holdoutFraction = holdoutFraction(options);
    ModelConfig config = config(options);
    FeatureLayout layout = FeatureLayouts.of(spec);

    examples.sort(Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::id));
    int cut = (int) Math.round(examples.size() * (1 - holdoutFraction));
    List<Example> trainPart = examples.subList(0, cut);
    List<Example> holdout = examples.subList(cut, examples.size());
    out.printf(
        "train on %,d examples up to %s, hold out %,d from %s%n",
        trainPart.size(),
        Instant.ofEpochMilli(trainPart.get(trainPart.size() - 1).eventTimeMillis()),
        holdout.size(),
        Instant.ofEpochMilli(holdout.get(0).eventTimeMillis()));

    long trainStart = System.nanoTime();
    ClassifierTrainer trainer =
        ClassifierTrainer.of(config)
            .withProgress(
                progress ->
                    out.printf(
                        "  epoch %d/%d: %,d examples, loss %.4f, %.1f s%n",
                        progress.epoch(),
                        config.epochs(),
                        progress.examplesSeen(),
                        progress.meanLoss(),
                        progress.elapsed().toMillis() / 1000.0));
    ModelRegistry registry = ModelRegistry.at(options.getRegistry());
    try (BinaryClassifier model =
        trainer.train(layout, Example.features(trainPart), Example.labels(trainPart))) {
      double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
      BinaryMetrics metrics =
          ModelEvaluation.evaluate(model, Example.features(holdout), Example.labels(holdout));
      out.printf(
          "trained in %.1f s (%,.0f examples/s); holdout: %s%n",
          trainSeconds,
          trainPart.size() * (double) config.epochs() / trainSeconds,
          describe(metrics));

      Optional<String> production = registry.production();
      BinaryMetrics productionMetrics = null;
      if (production.isPresent()) {
        try (LoadedModel current = registry.load(production.get(), spec.fingerprint())) {
          productionMetrics =
              ModelEvaluation.evaluate(
                  current.classifier(), Example.features(holdout), Example.labels(holdout));
          out.printf(
              "production %s on the same holdout: %s%n",
              production.get(), describe(productionMetrics));
        } catch (ModelRejectedException e) {
          out.printf("production %s cannot be compared: %s%n", production.get(), e.getMessage());
        }
      }
      Candidate candidate =
          Candidate.of(
                  model,
                  new DataRange(
                      Instant.ofEpochMilli(trainPart.get(0).eventTimeMillis()),
                      Instant.ofEpochMilli(trainPart.get(trainPart.size() - 1).eventTimeMillis()),
                      trainPart.size()))
              .withMetrics(metrics.toMap())
              // What serving's drift monitor compares live windows with: the vectors trained on.
              .withDriftReference(
                  FeatureLayouts.driftReference(layout, Example.features(trainPart)));
      if (production.isPresent()) {
        candidate = candidate.withParent(production.get());
      }
      String id = registry.register(candidate);
      boolean promote =
          production.isEmpty()
              || productionMetrics == null
              || metrics.normalizedEntropy() < productionMetrics.normalizedEntropy();
      if (promote) {
        registry.promote(id);
      }
      SmokeTestSet.write(options.getRegistry(), spec, holdout);
      out.printf(
          "registered %s: %s%n",
          id,
          promote
              ? (production.isEmpty()
                  ? "promoted (the first model)"
                  : "promoted (beats production on NE)")
              : "kept as candidate (production is at least as good on the holdout)");
      return new Outcome(id, metrics, promote);
    }
  }

  static double holdoutFraction(TrainOptions options) {
    double holdoutFraction = options.getHoldoutFraction();
    if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
      throw new IllegalArgumentException(
          "--holdoutFraction must be between 0 and 1 (exclusive), got " + holdoutFraction);
    }
    return holdoutFraction;
  }

  static String describe(BinaryMetrics m) {
    return String.format(
        "NE %.4f, AUC %.4f, log loss %.4f, calibration %.3f, accuracy %.4f (%,d examples, %,d positive)",
        m.normalizedEntropy(),
        m.auc(),
        m.logLoss(),
        m.calibration(),
        m.accuracy(),
        m.examples(),
        m.positives());
  }

  /** The model configuration of {@code options}; a bad value fails naming its option. */
  public static ModelConfig config(ModelOptions options) {
    List<Integer> layers = new ArrayList<>();
    for (String part : options.getHiddenLayers().split(",")) {
      try {
        layers.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--hiddenLayers must be comma-separated integers such as 64,32, got '"
                + options.getHiddenLayers()
                + "'",
            e);
      }
    }
    return ModelConfig.builder()
        .hiddenLayers(layers)
        .epochs(options.getEpochs())
        .batchSize(options.getBatchSize())
        .learningRate(options.getLearningRate())
        .positiveClassWeight(options.getPositiveClassWeight())
        .device(DeviceOption.parse(options.getDevice()))
        .seed(options.getSeed())
        .build();
  }
}
