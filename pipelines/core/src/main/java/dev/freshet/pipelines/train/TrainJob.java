package dev.freshet.pipelines.train;

import dev.freshet.model.examples.Example;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.features.FeaturesPipeline;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * {@code freshet train}: the bounded training pipeline. The same transforms as serving compute
 * point-in-time features and natural labels over files; then, in this JVM, {@link TrainAndRegister}
 * splits the examples by event time, trains, evaluates on the holdout, registers the model and
 * promotes it if it is the first or beats production's normalised entropy on the same holdout. The
 * holdout is also written as the fixed smoke-test set later gates use.
 */
public final class TrainJob {
  static final List<String> USAGE =
      List.of(
          "Usage: freshet train [--option=value ...]",
          "Trains a model on features and natural labels computed from files, evaluates it on",
          "the latest part of the data and registers it (promoted if it beats production).");

  private TrainJob() {}

  /** Runs train with Beam-style arguments; returns the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, TrainOptions.class);
      return 0;
    }
    train(Launcher.parse(TrainOptions.class, args), out);
    return 0;
  }

  /** Computes the examples with a bounded pipeline, then trains and registers a model. */
  public static TrainAndRegister.Outcome train(TrainOptions options, PrintStream out)
      throws Exception {
    // Bad model options fail here, before the pipeline runs.
    TrainAndRegister.validate(options);
    FeatureSpec spec = Specs.load(options);

    out.printf(
        "Freshet train: spec '%s' (%d features, fingerprint %s), runner %s, registry %s%n",
        spec.name(),
        spec.size(),
        spec.fingerprint().substring(0, 12),
        options.getRunner().getSimpleName(),
        options.getRegistry());
    out.println("computing point-in-time features and labels...");
    long start = System.nanoTime();
    Computed computed = compute(options, spec, Files.createTempDirectory("freshet-train"));
    List<Example> examples = computed.examples();
    long positives = examples.stream().filter(Example::positive).count();
    out.printf(
        "%,d labelled examples (%,d positive) in %.1f s%n",
        examples.size(), positives, (System.nanoTime() - start) / 1e9);
    computed.deadLetters().print(out);
    if (examples.size() < TrainAndRegister.MIN_EXAMPLES) {
      throw new IllegalArgumentException(
          computed
              .deadLetters()
              .cite(
                  "only "
                      + examples.size()
                      + " labelled examples: too few to train; check --events and --outcomes"));
    }
    if (positives == 0 || positives == examples.size()) {
      throw new IllegalArgumentException(
          computed
              .deadLetters()
              .cite(
                  "all "
                      + examples.size()
                      + " labelled examples are "
                      + (positives == 0 ? "negative" : "positive")
                      + ": nothing to learn; check the spec's label rule and --outcomes"));
    }
    return TrainAndRegister.fit(options, spec, examples, out);
  }

  /**
   * The bounded part of training, built on {@code p} without running it: point-in-time features and
   * natural labels over the files of {@code options}, joined into training examples (see {@link
   * TrainingExamples}); the column statistics go to {@code statsPath}.
   */
  public static PCollection<Example> examples(
      Pipeline p, FeaturesOptions options, FeatureSpec spec, String statsPath) {
    return data(p, options, spec, statsPath).examples();
  }

  /** The examples of {@link #examples} and the tally of the dead letters met on the way. */
  public record TrainingData(
      PCollection<Example> examples, PCollection<DeadLetterTally> deadLetters) {}

  /** As {@link #examples}, with the tally of the dead letters. */
  public static TrainingData data(
      Pipeline p, FeaturesOptions options, FeatureSpec spec, String statsPath) {
    FeaturesPipeline.Outputs outputs = FeaturesPipeline.build(p, options, spec, statsPath);
    return new TrainingData(
        outputs.features().apply("TrainingExamples", TrainingExamples.join(spec, outputs.labels())),
        outputs.tally());
  }

  /** The examples of a local run and the tally of its dead letters. */
  public record Computed(List<Example> examples, DeadLetterTally deadLetters) {}

  /**
   * Runs the bounded part of training over the files of {@code options} and returns its examples
   * (written as JSON lines under the local directory {@code work} and read back once).
   */
  public static List<Example> computeExamples(FeaturesOptions options, FeatureSpec spec, Path work)
      throws IOException {
    return compute(options, spec, work).examples();
  }

  /** As {@link #computeExamples}, with the tally of the dead letters (also under {@code work}). */
  public static Computed compute(FeaturesOptions options, FeatureSpec spec, Path work)
      throws IOException {
    Pipeline p = Pipeline.create(options);
    TrainingData data = data(p, options, spec, work.resolve("feature-stats.json").toString());
    data.examples().apply("WriteExamples", writeJsonLines(work.resolve("examples").toString()));
    String tally = work.resolve("dead-letters.json").toString();
    data.deadLetters().apply("WriteDeadLetterTally", DeadLetterTally.writeTo(tally));
    p.run().waitUntilFinish();
    return new Computed(readExamples(work), DeadLetterTally.read(tally));
  }

  /**
   * Writes examples as JSON lines ({@link Example#toJson}) to files {@code <prefix>-...jsonl}: the
   * form in which they leave a job for the model part, {@code freshet freshness} and users.
   */
  public static PTransform<PCollection<Example>, PDone> writeJsonLines(String prefix) {
    return new PTransform<>() {
      @Override
      public PDone expand(PCollection<Example> examples) {
        return examples
            .apply(
                "ToJson",
                MapElements.into(TypeDescriptors.strings()).via((Example e) -> e.toJson()))
            .apply("Write", TextIO.write().to(prefix).withSuffix(".jsonl"));
      }
    };
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
}
