package dev.freshet.pipelines.bench.model;

import dev.freshet.model.DeviceOption;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints, as Markdown tables, per device: training throughput at batch 32, 512 and 4,096; batched
 * scoring latency through {@code Scorer} against raw DJL calls at batch 1, 32 and 512; and the same
 * seeded training on each device with holdout metrics, and the holdout scores compared between
 * devices. The header names the engine actually loaded (libtorch version, flavour, folder, GPUs). A
 * program, not a test: {@code runners/gpu/run.sh} runs it on a GPU machine.
 */
@Command(
    name = "model-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-bench 0.1.0",
    sortOptions = false,
    description = {
      "Training throughput, scoring latency and seeded holdout quality of the MLP [64, 32] on"
          + " synthetic rows, on each device given. Run with -Dai.djl.offline=true; for a GPU,"
          + " set up DJL with runners/gpu/run.sh (docs/deploy.md, GPU)."
    })
public final class ModelBenchmark implements Callable<Integer> {

  /** The sections, in the order printed. */
  enum Section {
    train,
    score,
    holdout
  }

  @Option(
      names = "--device",
      split = ",",
      converter = DeviceConverter.class,
      description =
          "Devices, comma-separated, each cpu, gpu or auto; every section runs on each, and the"
              + " holdout scores of each are compared with the first's (default: ${DEFAULT-VALUE}).")
  List<DeviceOption> devices = List.of(DeviceOption.CPU);

  @Option(
      names = "--sections",
      split = ",",
      description = "Sections, comma-separated: ${COMPLETION-CANDIDATES} (default: all).")
  List<Section> sections = List.of(Section.values());

  @Option(
      names = "--trainExamples",
      description =
          "Examples per training measurement and for the scored model (default: ${DEFAULT-VALUE}).")
  int trainExamples = 16_384;

  @Option(
      names = "--iterations",
      description =
          "Timed scoring calls per batch size and path; batch 512 a quarter (default: ${DEFAULT-VALUE}).")
  int iterations = 2_000;

  @Option(
      names = "--holdoutTrain",
      description = "Training examples of the seeded holdout section (default: ${DEFAULT-VALUE}).")
  int holdoutTrain = 100_000;

  @Option(
      names = "--holdout",
      description = "Holdout examples, from another seed (default: ${DEFAULT-VALUE}).")
  int holdout = 50_000;

  @Option(
      names = "--epochs",
      description = "Epochs of the seeded holdout training (default: ${DEFAULT-VALUE}).")
  int epochs = 5;

  @Option(names = "--numeric", description = "Numeric columns (default: ${DEFAULT-VALUE}).")
  int numeric = 26;

  @Option(
      names = "--categorical",
      description = "Categorical columns of 100 buckets (default: ${DEFAULT-VALUE}).")
  int categorical = 4;

  @Spec CommandSpec spec;

  private final PrintStream out;

  ModelBenchmark(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(commandLine(System.out).execute(args));
  }

  static CommandLine commandLine(PrintStream out) {
    return new CommandLine(new ModelBenchmark(out));
  }

  @Override
  public Integer call() {
    for (DeviceOption device : devices) {
      try {
        device.resolve();
      } catch (IllegalStateException e) {
        spec.commandLine().getErr().println("model-benchmark: " + e.getMessage());
        return 2;
      }
    }
    FeatureLayout layout = SyntheticRows.layout(numeric, categorical);
    ModelConfig base = ModelConfig.builder().hiddenLayers(64, 32).embeddingDim(4).epochs(1).build();
    out.printf(
        Locale.ROOT,
        "Model %s, %d features (%d numeric, %d categorical), %d threads available, devices %s%n",
        base.hiddenLayers(),
        layout.size(),
        numeric,
        categorical,
        Runtime.getRuntime().availableProcessors(),
        devices);
    out.println(EngineSummary.describe());
    out.println();
    if (sections.contains(Section.train) || sections.contains(Section.score)) {
      SyntheticRows rows = SyntheticRows.generate(layout, trainExamples, 1);
      if (sections.contains(Section.train)) {
        TrainingThroughput.print(out, base, devices, rows);
      }
      if (sections.contains(Section.score)) {
        ScoringLatency.print(out, base, devices, rows, iterations);
      }
    }
    if (sections.contains(Section.holdout)) {
      SeededHoldout.print(
          out,
          base.toBuilder().epochs(epochs).build(),
          devices,
          SyntheticRows.generate(layout, holdoutTrain, 1),
          SyntheticRows.generate(layout, holdout, 2));
    }
    return 0;
  }

  /** {@link DeviceOption#parse}, so the values read as the other commands' {@code --device}. */
  static final class DeviceConverter implements ITypeConverter<DeviceOption> {
    @Override
    public DeviceOption convert(String value) {
      return DeviceOption.parse(value);
    }
  }
}
