package dev.freshet.pipelines.train;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.DeviceOption;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.features.FeaturesPipeline;
import dev.freshet.pipelines.learn.SmokeTestSet;
import dev.freshet.pipelines.train.TrainingExamples.Example;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;

/**
 * {@code freshet train}: the bounded training pipeline. The same transforms as serving compute
 * point-in-time features and natural labels over files; the examples are split by event time (train
 * on the earlier part, hold out the later part); a DJL model is trained, evaluated on the holdout
 * and registered, and promoted if it is the first or beats production's normalised entropy on the
 * same holdout. The holdout is also written as the fixed smoke-test set later gates use.
 */
public final class TrainCommand {
  private TrainCommand() {}

  /** What a run produced, for callers and tests. */
  public record Outcome(String versionId, BinaryMetrics holdout, boolean promoted) {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(TrainOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: freshet train [--option=value ...]");
      out.println(
          "Trains a model on features and natural labels computed from files, evaluates it on");
      out.println(
          "the latest part of the data and registers it (promoted if it beats production).");
      out.println();
      PipelineOptionsFactory.printHelp(out, TrainOptions.class);
      return 0;
    }
    train(PipelineOptionsFactory.fromArgs(args).withValidation().as(TrainOptions.class), out);
    return 0;
  }

  public static Outcome train(TrainOptions options, PrintStream out) throws Exception {
    // Bad model options fail here, before the pipeline runs.
    holdoutFraction(options);
    config(options);
    FeatureSpec spec = FeaturesCommand.loadSpec(options);

    out.printf(
        "Freshet train: spec '%s' (%d features, fingerprint %s), runner %s, registry %s%n",
        spec.name(),
        spec.size(),
        spec.fingerprint().substring(0, 12),
        options.getRunner().getSimpleName(),
        options.getRegistry());
    Path work = Files.createTempDirectory("freshet-train");
    Pipeline p = Pipeline.create(options);
    examples(p, options, spec, work.resolve("feature-stats.json").toString())
        .apply(
            "WriteExamples",
            TextIO.write().to(work.resolve("examples").toString()).withSuffix(".jsonl"));
    out.println("computing point-in-time features and labels...");
    long start = System.nanoTime();
    p.run().waitUntilFinish();
    List<Example> examples = readExamples(work);
    out.printf(
        "%,d labelled examples (%,d positive) in %.1f s%n",
        examples.size(),
        examples.stream().filter(e -> e.label() > 0.5f).count(),
        (System.nanoTime() - start) / 1e9);
    return fitAndRegister(options, spec, examples, out);
  }

  /**
   * The bounded part of training, built on {@code p} without running it: point-in-time features and
   * natural labels over the files of {@code options}, joined into training examples (one JSON line
   * each, see {@link TrainingExamples}); the column statistics go to {@code statsPath}.
   */
  public static PCollection<String> examples(
      Pipeline p, FeaturesOptions options, FeatureSpec spec, String statsPath) {
    FeaturesPipeline.Outputs outputs = FeaturesPipeline.build(p, options, spec, statsPath);
    return outputs
        .features()
        .apply("TrainingExamples", TrainingExamples.join(spec, outputs.labels()));
  }

  /**
   * The model part of training: splits {@code examples} by event time (sorting the list in place),
   * trains on the earlier part, evaluates on the later part, registers the model and promotes it if
   * it is the first or beats production's NE on the same holdout; writes the smoke-test set.
   */
  public static Outcome fitAndRegister(
      TrainOptions options, FeatureSpec spec, List<Example> examples, PrintStream out)
      throws Exception {
    if (examples.size() < 50) {
      throw new IllegalStateException(
          "only "
              + examples.size()
              + " labelled examples: too few to train; check --events and --outcomes");
    }
    double holdoutFraction = holdoutFraction(options);
    ModelConfig config = config(options);
    FeatureLayout layout = FeatureLayouts.of(spec);

    examples.sort(Comparator.comparingLong(Example::timeMillis).thenComparing(Example::id));
    int cut = (int) Math.round(examples.size() * (1 - holdoutFraction));
    List<Example> trainPart = examples.subList(0, cut);
    List<Example> holdout = examples.subList(cut, examples.size());
    out.printf(
        "train on %,d examples up to %s, hold out %,d from %s%n",
        trainPart.size(),
        Instant.ofEpochMilli(trainPart.get(trainPart.size() - 1).timeMillis()),
        holdout.size(),
        Instant.ofEpochMilli(holdout.get(0).timeMillis()));

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
    try (BinaryClassifier model = trainer.train(layout, features(trainPart), labels(trainPart))) {
      double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
      BinaryMetrics metrics = ModelEvaluation.evaluate(model, features(holdout), labels(holdout));
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
              ModelEvaluation.evaluate(current.classifier(), features(holdout), labels(holdout));
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
                      Instant.ofEpochMilli(trainPart.get(0).timeMillis()),
                      Instant.ofEpochMilli(trainPart.get(trainPart.size() - 1).timeMillis()),
                      trainPart.size()))
              .withMetrics(metrics.toMap())
              // What serving's drift monitor compares live windows with: the vectors trained on.
              .withDriftReference(FeatureLayouts.driftReference(layout, features(trainPart)));
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

  private static double holdoutFraction(TrainOptions options) {
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

  private static List<Example> readExamples(Path work) throws IOException {
    List<Example> examples = new ArrayList<>();
    try (Stream<Path> files = Files.list(work)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("examples")).toList()) {
        for (String line : Files.readAllLines(f)) {
          examples.add(Example.parse(line));
        }
      }
    }
    return examples;
  }

  static float[][] features(List<Example> examples) {
    float[][] x = new float[examples.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = examples.get(i).features();
    }
    return x;
  }

  static float[] labels(List<Example> examples) {
    float[] y = new float[examples.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = examples.get(i).label();
    }
    return y;
  }
}
