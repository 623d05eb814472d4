package dev.freshet.pipelines.bench;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.TrainCommand;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.pipelines.train.TrainingExamples.Example;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The cost of freshness: keeping a model fresh by warm-start updates versus retraining it from
 * scratch, on a fraud stream with drift (a new fraud pattern at half time).
 *
 * <p>The stream's labelled examples (point-in-time features and natural labels from the shared
 * transforms) are cut into {@code --periods} equal slices in event time. Both policies start from
 * the same model trained on the first slice. Before each later slice, each policy updates: the
 * <em>continual</em> one warm-starts its previous model on the newest slice ({@code
 * --update-epochs} passes at {@code --update-learning-rate-factor} of the learning rate; {@code
 * learn} uses one pass at a tenth on its micro-batches); the <em>retrain</em> one trains a new
 * model on every slice so far ({@code --epochs} passes, as {@code train} does). Each is then scored
 * on the slice (prequential: it has not seen it). Compute is counted as examples processed
 * (examples × passes) and measured as CPU seconds of the training thread.
 *
 * <pre>
 * mvn -B -o -q -pl pipelines exec:exec -Dexec.executable=java \
 *   -Dexec.args="-Xmx4g -cp %classpath dev.freshet.pipelines.bench.FreshnessCostBenchmark"
 * </pre>
 */
@Command(
    name = "freshness-cost-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    description = {
      "Compute needed to keep a fraud model fresh under drift: continual warm-start updates on"
          + " each new period versus retraining from scratch on everything so far; prequential NE"
          + " per period and examples processed / CPU seconds per policy."
    })
public final class FreshnessCostBenchmark implements Callable<Integer> {
  @Option(names = "--events", description = "Generated payments (default: ${DEFAULT-VALUE}).")
  int events = 40_000;

  @Option(
      names = "--events-per-second",
      description = "Stream rate; sets how many days the stream spans (default: ${DEFAULT-VALUE}).")
  double eventsPerSecond = 0.1;

  @Option(
      names = "--periods",
      description = "Equal slices in event time (default: ${DEFAULT-VALUE}).")
  int periods = 10;

  @Option(names = "--epochs", description = "Passes of a retrain (default: ${DEFAULT-VALUE}).")
  int epochs = 8;

  @Option(
      names = "--update-epochs",
      description = "Passes of a warm-start update (default: ${DEFAULT-VALUE}).")
  int updateEpochs = 1;

  @Option(
      names = "--update-learning-rate-factor",
      description =
          "Learning rate of an update relative to a retrain's (default: ${DEFAULT-VALUE}, as learn).")
  float updateLearningRateFactor = 0.1f;

  @Option(
      names = "--replay",
      description =
          "Older examples mixed into each update, as a fraction of the new period (a uniform"
              + " sample of all earlier periods; default: ${DEFAULT-VALUE}).")
  double replay = 0;

  @Option(
      names = "--seed",
      description = "Generator and training seed (default: ${DEFAULT-VALUE}).")
  long seed = 21;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    System.exit(new CommandLine(new FreshnessCostBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (periods < 3) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--periods must be at least 3, got " + periods);
    }
    PrintStream out = System.out;
    Path dir = Files.createTempDirectory("freshet-freshness-cost");
    out.printf(
        "generating %,d payments at %.2f/s (drift at half time)...%n", events, eventsPerSecond);
    GenerateFraud.write(
        FraudGenerator.builder().seed(seed).events(events).eventsPerSecond(eventsPerSecond).build(),
        dir,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    List<Example> examples = examples(dir);
    examples.sort(Comparator.comparingLong(Example::timeMillis).thenComparing(Example::id));
    FeatureSpec spec = FeaturesCommand.loadSpec(options(dir));
    FeatureLayout layout = FeatureLayouts.of(spec);
    int size = examples.size() / periods;
    List<List<Example>> slices = new ArrayList<>();
    for (int k = 0; k < periods; k++) {
      slices.add(examples.subList(k * size, k == periods - 1 ? examples.size() : (k + 1) * size));
    }
    out.printf(
        "%,d labelled examples in %d periods of about %,d%n", examples.size(), periods, size);

    ModelConfig train =
        ModelConfig.builder().epochs(epochs).positiveClassWeight(5).seed(seed).build();
    ModelConfig update =
        train.toBuilder()
            .epochs(updateEpochs)
            .learningRate(train.learningRate() * updateLearningRateFactor)
            .build();
    Random replayRandom = new Random(seed);
    long continualExamples = 0;
    long retrainExamples = 0;
    double continualCpu = 0;
    double retrainCpu = 0;
    double continualLoss = 0;
    double retrainLoss = 0;
    double staticLoss = 0;
    long scored = 0;
    BinaryClassifier first =
        ClassifierTrainer.of(train).train(layout, x(slices.get(0)), y(slices.get(0)));
    BinaryClassifier continual = first.withCalibration(first.calibration());
    out.println();
    out.println("| period | examples | static NE | continual NE | retrain NE |");
    out.println("|---|---|---|---|---|");
    for (int k = 1; k < periods; k++) {
      List<Example> seen = slices.get(k - 1);
      List<Example> next = slices.get(k);
      if (k > 1) {
        BinaryClassifier previous = continual;
        List<Example> batch = withReplay(seen, examples.subList(0, (k - 1) * size), replayRandom);
        double[] cpu = new double[1];
        continual =
            timed(
                cpu, () -> ClassifierTrainer.of(update).continueFrom(previous, x(batch), y(batch)));
        previous.close();
        continualCpu += cpu[0];
        continualExamples += (long) batch.size() * updateEpochs;
      }
      List<Example> all = examples.subList(0, k * size);
      double[] cpu = new double[1];
      BinaryMetrics retrainMetrics;
      try (BinaryClassifier retrained =
          timed(cpu, () -> ClassifierTrainer.of(train).train(layout, x(all), y(all)))) {
        retrainMetrics = ModelEvaluation.evaluate(retrained, x(next), y(next));
      }
      retrainCpu += cpu[0];
      retrainExamples += (long) all.size() * epochs;
      BinaryMetrics continualMetrics = ModelEvaluation.evaluate(continual, x(next), y(next));
      BinaryMetrics staticMetrics = ModelEvaluation.evaluate(first, x(next), y(next));
      continualLoss += continualMetrics.logLoss() * next.size();
      retrainLoss += retrainMetrics.logLoss() * next.size();
      staticLoss += staticMetrics.logLoss() * next.size();
      scored += next.size();
      out.printf(
          "| %d | %,d | %.4f | %.4f | %.4f |%n",
          k,
          next.size(),
          staticMetrics.normalizedEntropy(),
          continualMetrics.normalizedEntropy(),
          retrainMetrics.normalizedEntropy());
    }
    continual.close();
    first.close();
    out.println();
    out.printf(
        "prequential log loss over periods 1..%d: static %.4f, continual %.4f, retrain %.4f%n",
        periods - 1, staticLoss / scored, continualLoss / scored, retrainLoss / scored);
    out.printf(
        "compute after the first model: continual %,d examples processed, %.1f CPU s;"
            + " retrain %,d examples, %.1f CPU s%n",
        continualExamples, continualCpu, retrainExamples, retrainCpu);
    out.printf(
        "retraining from scratch costs %.1fx the examples and %.1fx the CPU of continual updates,"
            + " for a log loss %+.1f%% relative to continual%n",
        retrainExamples / (double) continualExamples,
        retrainCpu / continualCpu,
        100 * (retrainLoss - continualLoss) / continualLoss);
    return 0;
  }

  /** The new period plus {@code --replay} × its size of examples sampled from {@code older}. */
  private List<Example> withReplay(List<Example> fresh, List<Example> older, Random random) {
    List<Example> batch = new ArrayList<>(fresh);
    int extra = (int) Math.round(replay * fresh.size());
    for (int i = 0; i < extra && !older.isEmpty(); i++) {
      batch.add(older.get(random.nextInt(older.size())));
    }
    return batch;
  }

  private static <T> T timed(double[] cpuSeconds, Supplier<T> work) {
    long start = THREADS.getCurrentThreadCpuTime();
    T result = work.get();
    cpuSeconds[0] = (THREADS.getCurrentThreadCpuTime() - start) / 1e9;
    return result;
  }

  private TrainOptions options(Path dir) {
    PipelineOptionsFactory.register(TrainOptions.class);
    return PipelineOptionsFactory.fromArgs(
            "--events=" + dir.resolve("events.jsonl"),
            "--outcomes=" + dir.resolve("outcomes.jsonl"),
            "--domain=" + Domain.FRAUD.name())
        .as(TrainOptions.class);
  }

  private List<Example> examples(Path dir) throws Exception {
    TrainOptions options = options(dir);
    FeatureSpec spec = FeaturesCommand.loadSpec(options);
    Path work = dir.resolve("examples");
    Files.createDirectories(work);
    Pipeline p = Pipeline.create(options);
    TrainCommand.examples(p, options, spec, work.resolve("stats.json").toString())
        .apply(TextIO.write().to(work.resolve("part").toString()).withSuffix(".jsonl"));
    System.out.println("computing point-in-time features and labels (direct runner)...");
    p.run().waitUntilFinish();
    List<Example> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(work)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part")).toList()) {
        Files.readAllLines(f).forEach(l -> all.add(Example.parse(l)));
      }
    }
    return all;
  }

  private static float[][] x(List<Example> examples) {
    float[][] x = new float[examples.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = examples.get(i).features();
    }
    return x;
  }

  private static float[] y(List<Example> examples) {
    float[] y = new float[examples.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = examples.get(i).label();
    }
    return y;
  }
}
