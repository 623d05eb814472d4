package dev.freshet.pipelines.cli.freshness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.ModelConfig;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.freshness.FreshnessOptions;
import dev.freshet.pipelines.freshness.FreshnessPipeline;
import dev.freshet.pipelines.freshness.PolicyResult;
import dev.freshet.pipelines.freshness.PrequentialReplay;
import dev.freshet.pipelines.freshness.ReplayPlan;
import dev.freshet.pipelines.freshness.ReplaySettings;
import dev.freshet.pipelines.freshness.UpdatePolicy;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code freshet freshness}: what model freshness is worth on a stream. Replays a timestamped,
 * labelled dataset with prequential evaluation under update policies (static, monthly, weekly,
 * daily, hourly, continual warm starts, retrains from scratch) and reports, per policy, NE, AUC,
 * log loss, accuracy and compute, a chart of NE over stream time, and what each step up in update
 * frequency gains. See {@link FreshnessPipeline} for the pipeline and {@link PrequentialReplay} for
 * the rules of the replay.
 */
public final class FreshnessCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FreshnessCommand() {}

  /** What a run produced, for callers and tests. */
  public record Outcome(FreshnessReport report, long examples, double seconds, Path output) {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(FreshnessOptions.class);
    if (Launcher.wantsHelp(args)) {
      out.println("Usage: freshet freshness [--option=value ...]");
      out.println(
          "Replays a timestamped, labelled dataset with prequential evaluation (score each example");
      out.println(
          "with the model of its moment, train on it once its label is known) under update policies");
      out.println(
          "and writes <output>/freshness.md, freshness.csv, freshness-slices.csv and freshness.png");
      out.println(
          "(--output defaults to out/freshness; the featured events themselves are not written).");
      out.println(
          "Next to each policy's name the report gives how often it really updated (median event");
      out.println(
          "time between updates, examples per update) and warns, naming the option to change, when");
      out.println("that differs from the name by more than 2x.");
      out.println(
          "Runner options (--runner=DirectRunner|FlinkRunner, --flinkMaster, ...) are Beam's.");
      out.println();
      PipelineOptionsFactory.printHelp(out, FreshnessOptions.class);
      return 0;
    }
    run(PipelineOptionsFactory.fromArgs(args).withValidation().as(FreshnessOptions.class), out);
    return 0;
  }

  public static Outcome run(FreshnessOptions options, PrintStream out) throws Exception {
    List<UpdatePolicy> policies = policies(options.getPolicies());
    FeatureSpec spec = Specs.load(options);
    ReplaySettings settings = settings(options, spec);
    Path output = Path.of(options.getOutput() != null ? options.getOutput() : "out/freshness");
    String work =
        options.getWorkDir() != null
            ? options.getWorkDir()
            : output.resolve("work").toAbsolutePath().toString();
    // --output names the report here; the shared features flow would write every vector there.
    options.setOutput(null);
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      // One intra-op thread per policy: policies run side by side, and CPU seconds stay honest.
      System.setProperty("ai.djl.pytorch.num_threads", "1");
    }
    out.printf(
        "Freshet freshness: spec '%s' (%d features), runner %s, policies %s%n",
        spec.name(),
        spec.size(),
        options.getRunner().getSimpleName(),
        policies.stream().map(UpdatePolicy::name).toList());
    out.printf(
        "  warm-up %s, continual micro-batch %s, new labels a periodic warm start waits for %s,"
            + " warm starts %d pass(es) at %.4g, retrains %d pass(es) on the trailing %s%n",
        options.getWarmup(),
        orAdapted(settings.continualBatchSize()),
        orAdapted(settings.minUpdateExamples()),
        settings.update().epochs(),
        settings.update().learningRate(),
        settings.retrain().epochs(),
        options.getRetrainWindow());
    out.println("computing point-in-time features and labels, then replaying each policy...");
    long start = System.nanoTime();
    Pipeline p = Pipeline.create(options);
    List<List<UpdatePolicy>> repeats = repeats(policies, options.getRepeats(), settings);
    FreshnessPipeline.build(
        p, options, spec, settings, repeats.stream().flatMap(List::stream).toList(), work);
    // A warm-up with too few labels is only found on the data (the error cites the dead letters):
    // the command line prints it as the user's to fix.
    p.run().waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    DeadLetterTally.read(FreshnessPipeline.deadLetterTally(work)).print(out);

    JsonNode initial = JSON.readTree(Files.readString(Path.of(work, "initial.json")));
    ReplayPlan plan =
        settings.plan(
            initial.get("evaluation_start").asLong(),
            initial.get("end").asLong(),
            initial.get("warmup_labels_per_day").asDouble(),
            policies);
    Map<String, PolicyResult> byName = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(work, "results.jsonl"))) {
      if (!line.isBlank()) {
        PolicyResult r = PolicyResult.fromJson(line);
        byName.put(r.policy(), r);
      }
    }
    List<PolicyResult> ordered = new ArrayList<>();
    for (int i = 0; i < policies.size(); i++) {
      List<PolicyResult> runs = new ArrayList<>();
      for (UpdatePolicy repeat : repeats.get(i)) {
        PolicyResult r = byName.get(repeat.name());
        if (r == null) {
          throw new IllegalStateException("no result for policy " + repeat.name());
        }
        runs.add(r);
      }
      ordered.add(runs.size() == 1 ? runs.get(0) : PolicyResult.mean(policies.get(i).name(), runs));
    }
    FreshnessReport report = new FreshnessReport(ordered, plan);
    long examples = initial.get("examples").asLong();
    String header =
        String.format(
            Locale.ROOT,
            "Spec `%s`, %,d labelled examples: warm-up until %s (%,d examples; the initial model"
                + " trained on those labelled by then in %.1f CPU s), prequential evaluation on"
                + " %,d examples from then to %s. Runner %s; %.1f s in all, %.1f s per million"
                + " events.",
            spec.name(),
            examples,
            Instant.ofEpochMilli(plan.evaluationStartMillis()),
            initial.get("warmup_examples").asLong(),
            initial.get("train_cpu_seconds").asDouble(),
            initial.get("evaluated_examples").asLong(),
            Instant.ofEpochMilli(plan.endMillis() - 1),
            options.getRunner().getSimpleName(),
            seconds,
            seconds / Math.max(1, examples) * 1e6);
    report.write(output, header);
    out.println();
    out.println(header);
    out.println();
    out.print(report.markdown());
    out.println();
    for (String line : report.summary()) {
      out.println(line);
    }
    List<String> cadence = report.cadence();
    if (!cadence.isEmpty()) {
      out.println();
      out.println("Update cadence (event time between updates, against each policy's name)");
      for (String line : cadence) {
        out.println("  " + line);
      }
    }
    List<FreshnessReport.CostMatch> matches = report.costMatches();
    if (!matches.isEmpty()) {
      out.println();
      out.println("The same NE for less: retraining from scratch against warm starts");
      for (FreshnessReport.CostMatch m : matches) {
        out.println("  " + m.line());
      }
    }
    out.printf(
        "%nwrote %s, freshness.csv, freshness-slices.csv and freshness.png%s%n",
        output.resolve("freshness.md"), matches.isEmpty() ? "" : " and freshness-cost.png");
    return new Outcome(report, examples, seconds, output);
  }

  /** The policies of {@code --policies}: at least one, no name twice. */
  static List<UpdatePolicy> policies(String text) {
    List<UpdatePolicy> policies = new ArrayList<>();
    for (String part : text.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      UpdatePolicy policy = UpdatePolicy.parse(part);
      if (policies.stream().anyMatch(p -> p.name().equals(policy.name()))) {
        throw new IllegalArgumentException("--policies: '" + policy.name() + "' is given twice");
      }
      policies.add(policy);
    }
    if (policies.isEmpty()) {
      throw new IllegalArgumentException("--policies: name at least one policy");
    }
    return policies;
  }

  /**
   * Each policy as the replays that make it: itself, or with {@code --repeats=n}, n copies with the
   * training seeds {@code --seed}, {@code --seed + 1}, ... (averaged in the report).
   */
  static List<List<UpdatePolicy>> repeats(
      List<UpdatePolicy> policies, int repeats, ReplaySettings settings) {
    positive(repeats, "--repeats");
    List<List<UpdatePolicy>> all = new ArrayList<>();
    for (UpdatePolicy policy : policies) {
      if (repeats == 1 || !policy.updates()) {
        all.add(List.of(policy));
        continue;
      }
      if (policy.seed() != null) {
        throw new IllegalArgumentException(
            "--repeats: policy '"
                + policy.name()
                + "' sets its own seed; drop :seed= or --repeats");
      }
      List<UpdatePolicy> copies = new ArrayList<>();
      for (int k = 0; k < repeats; k++) {
        copies.add(UpdatePolicy.parse(policy.name() + ":seed=" + (settings.initial().seed() + k)));
      }
      all.add(copies);
    }
    return all;
  }

  /** Validated settings; a bad value fails naming its option. */
  static ReplaySettings settings(FreshnessOptions options, FeatureSpec spec) {
    ModelConfig initial = TrainAndRegister.config(options);
    if (options.getContinualBatchSize() != null) {
      positive(options.getContinualBatchSize(), "--continualBatchSize");
    }
    positive(options.getUpdateEpochs(), "--updateEpochs");
    if (options.getMinUpdateExamples() != null) {
      positive(options.getMinUpdateExamples(), "--minUpdateExamples");
    }
    positive(options.getRetrainEpochs(), "--retrainEpochs");
    positive(options.getChartSlices(), "--chartSlices");
    double factor = options.getUpdateLearningRateFactor();
    if (!(factor > 0)) {
      throw new IllegalArgumentException("--updateLearningRateFactor must be > 0, got " + factor);
    }
    long window;
    try {
      window = FeatureSpecs.duration(options.getRetrainWindow(), "--retrainWindow").getMillis();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (window <= 0) {
      throw new IllegalArgumentException(
          "--retrainWindow must be > 0, got " + options.getRetrainWindow());
    }
    String warmup = options.getWarmup().trim();
    double fraction = 0;
    long warmupMillis = 0;
    if (warmup.endsWith("%")) {
      try {
        fraction = Double.parseDouble(warmup.substring(0, warmup.length() - 1)) / 100;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--warmup: cannot read '" + warmup + "'", e);
      }
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException(
            "--warmup must be a share between 0% and 100% (exclusive) or a duration, got "
                + warmup);
      }
    } else {
      warmupMillis = FeatureSpecs.duration(warmup, "--warmup").getMillis();
      if (warmupMillis <= 0) {
        throw new IllegalArgumentException("--warmup must be > 0, got " + warmup);
      }
    }
    ModelConfig update =
        initial.toBuilder()
            .epochs(options.getUpdateEpochs())
            .learningRate((float) (initial.learningRate() * factor))
            .build();
    ModelConfig retrain = initial.toBuilder().epochs(options.getRetrainEpochs()).build();
    return new ReplaySettings(
        FeatureLayouts.of(spec),
        fraction,
        warmupMillis,
        options.getChartSlices(),
        initial,
        retrain,
        update,
        options.getContinualBatchSize(),
        options.getMinUpdateExamples(),
        window,
        options.getUpdateOptimizer() == FreshnessOptions.UpdateOptimizer.KEEP);
  }

  /** {@code 1,000}, or that the size adapts to the stream when its option was not set. */
  private static String orAdapted(Integer size) {
    return size != null
        ? String.format(Locale.ROOT, "%,d", size)
        : "adapted to the warm-up's label rate";
  }

  private static void positive(int value, String option) {
    if (value < 1) {
      throw new IllegalArgumentException(option + " must be at least 1, got " + value);
    }
  }
}
