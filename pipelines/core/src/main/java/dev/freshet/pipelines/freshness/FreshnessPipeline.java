package dev.freshet.pipelines.freshness;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.examples.Example;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.FeatureSpec;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The freshness experiment as one bounded Beam pipeline:
 *
 * <pre>
 * files ─> features + natural labels (the shared bounded path of train) ─> examples (JSON lines,
 *          with label times) ─> InitialModel (trained once on the warm-up) ─┐
 * policies ─> one per key ─> ReplayPolicy (prequential, sequential in event time) ─> results
 * </pre>
 *
 * The labelled examples are computed once; each policy is a key, so runners spread the policies
 * over workers while the replay within a policy stays sequential. Every replaying worker reads the
 * example files once per JVM ({@link StreamExamples#load}). Writes {@code <work>/examples-*.jsonl},
 * {@code <work>/initial.json} and {@code <work>/results.jsonl} (one {@link PolicyResult} per line).
 */
public final class FreshnessPipeline {
  private FreshnessPipeline() {}

  /** Builds the pipeline on {@code p}; {@code work} is a directory on any Beam file system. */
  public static void build(
      Pipeline p,
      FeaturesOptions options,
      FeatureSpec spec,
      ReplaySettings settings,
      List<UpdatePolicy> policies,
      String work) {
    TrainJob.TrainingData data = TrainJob.data(p, options, spec, work + "/feature-stats.json");
    data.deadLetters()
        .apply("WriteDeadLetterTally", DeadLetterTally.writeTo(deadLetterTally(work)));
    PCollectionView<DeadLetterTally> deadLetters =
        data.deadLetters().apply("DeadLetterView", View.asSingleton());
    PCollectionView<List<String>> files =
        data.examples()
            .apply(
                "ExamplesJson",
                MapElements.into(TypeDescriptors.strings()).via((Example e) -> e.toJson()))
            .apply(
                "WriteExamples",
                TextIO.write().to(work + "/examples").withSuffix(".jsonl").withOutputFilenames())
            .getPerDestinationOutputFilenames()
            .apply("ExampleFiles", Values.create())
            .apply("AsList", View.asList());
    // Java-serialised bytes: one element, and byte arrays compare by content in the runner's
    // checks.
    PCollection<byte[]> initial =
        p.apply("Once", Create.of(0))
            .apply(
                "InitialModel",
                ParDo.of(new InitialModelFn(settings, policies, files, deadLetters))
                    .withSideInputs(files, deadLetters))
            .setCoder(ByteArrayCoder.of());
    initial
        .apply(
            "InitialJson",
            MapElements.into(TypeDescriptors.strings())
                .via(bytes -> initialJson(InitialModel.fromBytes(bytes))))
        .apply(
            "WriteInitial",
            TextIO.write().to(work + "/initial").withSuffix(".json").withoutSharding());
    PCollectionView<byte[]> initialView = initial.apply("InitialView", View.asSingleton());

    List<KV<Integer, UpdatePolicy>> keyed = new ArrayList<>();
    for (int i = 0; i < policies.size(); i++) {
      keyed.add(KV.of(i, policies.get(i)));
    }
    p.apply(
            "Policies",
            Create.of(keyed)
                .withCoder(KvCoder.of(VarIntCoder.of(), SerializableCoder.of(UpdatePolicy.class))))
        .apply("OnePerKey", GroupByKey.create())
        .apply(
            "ReplayPolicy",
            ParDo.of(new ReplayFn(files, initialView)).withSideInputs(files, initialView))
        .setCoder(StringUtf8Coder.of())
        .apply(
            "WriteResults",
            TextIO.write().to(work + "/results").withSuffix(".jsonl").withoutSharding());
  }

  /** Where {@link #build} writes the tally of the dead letters met computing the examples. */
  public static String deadLetterTally(String work) {
    return work + "/dead-letters.json";
  }

  static String initialJson(InitialModel m) {
    return String.format(
        Locale.ROOT,
        "{\"evaluation_start\":%d,\"end\":%d,\"examples\":%d,\"warmup_examples\":%d,"
            + "\"evaluated_examples\":%d,\"warmup_labels_per_day\":%s,"
            + "\"train_cpu_seconds\":%.3f}",
        m.plan().evaluationStartMillis(),
        m.plan().endMillis(),
        m.examples(),
        m.warmupExamples(),
        m.evaluatedExamples(),
        // Exact, so that the adapted sizes come out the same when the plan is rebuilt from it.
        Double.toString(m.plan().sizes().labelsPerDay()),
        m.trainCpuSeconds());
  }

  /** Trains the shared initial model on the labels known at the evaluation start. */
  static final class InitialModelFn extends DoFn<Integer, byte[]> {
    private final ReplaySettings settings;
    private final List<UpdatePolicy> policies;
    private final PCollectionView<List<String>> files;
    private final PCollectionView<DeadLetterTally> deadLetters;

    InitialModelFn(
        ReplaySettings settings,
        List<UpdatePolicy> policies,
        PCollectionView<List<String>> files,
        PCollectionView<DeadLetterTally> deadLetters) {
      this.settings = settings;
      this.policies = new ArrayList<>(policies);
      this.files = files;
      this.deadLetters = deadLetters;
    }

    /** Too little data to start from is often dead letters: the error says which. */
    @ProcessElement
    public void process(ProcessContext c) {
      try {
        start(c);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(c.sideInput(deadLetters).cite(e.getMessage()), e);
      }
    }

    private void start(ProcessContext c) {
      long start = System.nanoTime();
      StreamExamples data = StreamExamples.load(c.sideInput(files));
      ReplayPlan plan = settings.plan(data, policies);
      int evaluated = data.size() - data.firstAtOrAfter(plan.evaluationStartMillis());
      System.out.printf(
          "  examples: %,d labelled, read in %.1f s; warm-up %s .. %s (%,d), evaluated %s .. %s"
              + " (%,d)%n",
          data.size(),
          (System.nanoTime() - start) / 1e9,
          Instant.ofEpochMilli(data.eventTime(0)),
          Instant.ofEpochMilli(plan.evaluationStartMillis()),
          data.size() - evaluated,
          Instant.ofEpochMilli(plan.evaluationStartMillis()),
          Instant.ofEpochMilli(plan.endMillis() - 1),
          evaluated);
      for (String line : plan.sizes().describe(policies)) {
        System.out.println("  " + line);
      }
      long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      try (BinaryClassifier model = new PrequentialReplay(data, plan).initialModel()) {
        double cpuSeconds =
            (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu) / 1e9;
        System.out.printf(
            "  initial model: trained on the warm-up's known labels in %.1f CPU s%n", cpuSeconds);
        c.output(
            InitialModel.of(plan, model, data.size() - evaluated, evaluated, cpuSeconds).toBytes());
      }
    }
  }

  /** Replays one policy over the whole stream, from the shared initial model. */
  static final class ReplayFn extends DoFn<KV<Integer, Iterable<UpdatePolicy>>, String> {
    private final PCollectionView<List<String>> files;
    private final PCollectionView<byte[]> initial;

    ReplayFn(PCollectionView<List<String>> files, PCollectionView<byte[]> initial) {
      this.files = files;
      this.initial = initial;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      StreamExamples data = StreamExamples.load(c.sideInput(files));
      InitialModel start = InitialModel.fromBytes(c.sideInput(initial));
      PrequentialReplay replay = new PrequentialReplay(data, start.plan());
      for (UpdatePolicy policy : c.element().getValue()) {
        try (BinaryClassifier model = start.classifier()) {
          PolicyResult result = replay.replay(policy, model, FreshnessPipeline::progress);
          System.out.printf(
              "  %-16s done: NE %.4f, AUC %.4f, %,d updates (every %s, %s examples, medians),"
                  + " %,d examples trained, %.1f s%n",
              policy.name(),
              result.metrics().normalizedEntropy(),
              result.metrics().auc(),
              result.updates(),
              result.cadence().intervalText(),
              result.cadence().examplesText(),
              result.examplesTrained(),
              result.wallSeconds());
          c.output(result.toJson());
        }
      }
    }
  }

  static void progress(
      UpdatePolicy policy, long streamMillis, int scored, int total, long updates) {
    System.out.printf(
        "  %-16s stream %s  %3.0f%%  %,d scored, %,d updates%n",
        policy.name(), Instant.ofEpochMilli(streamMillis), 100.0 * scored / total, scored, updates);
  }
}
