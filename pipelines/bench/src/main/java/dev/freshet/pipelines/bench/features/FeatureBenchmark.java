package dev.freshet.pipelines.bench.features;

import dev.freshet.pipelines.Domain;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.Aggregation;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.Feature;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput benchmark of {@link ExtractFeatures} over generated ride payments, on the direct and
 * the embedded Flink runner, on the bounded (event-time) and the streaming (arrival-order) path.
 *
 * <p>For every runner and path it runs, in one JVM, a <em>baseline</em> pipeline ({@code
 * TextIO.read → ParseEvents → count}) and, per spec, a <em>features</em> pipeline ({@code
 * TextIO.read → ParseEvents → [JoinLabels →] ExtractFeatures → count}). Each is timed around {@code
 * run().waitUntilFinish()} (data generation excluded), and the cost of the features alone is
 * estimated as {@code 1 / (1/total − 1/baseline)} events/s. Peak heap is sampled during each run.
 * The count of featured events must equal the count of valid parsed events, or the command fails.
 *
 * <p>Two specs: {@code bench} (3 keys × 3 windows: a count per key over 10m, 1h and 1d, a 1h amount
 * sum per key, and the amount itself, built in code on the fraud event schema) and {@code fraud}
 * (the full {@code testdata/fraud/fraud.yaml}, with labels from {@link JoinLabels}).
 *
 * <pre>
 * MAVEN_OPTS=-Xmx8g mvn -B -o -q -pl pipelines/bench exec:java \
 *   -Dexec.mainClass=dev.freshet.pipelines.bench.features.FeatureBenchmark -Dexec.args="--events 50000"
 * </pre>
 */
@Command(
    name = "feature-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    description = {
      "Measures the throughput of ExtractFeatures over generated ride payments on the direct and"
          + " the embedded Flink runner, batch (event-time) and streaming (arrival-order) paths,"
          + " against a parse-only baseline, and writes a Markdown table."
    })
public final class FeatureBenchmark implements Callable<Integer> {
  static final String NAMESPACE = "bench";
  static final String FEATURED = "featured";
  static final String PARSED = "parsed";
  static final String EVENT_SOURCE = "bench_events";
  static final String OUTCOME_SOURCE = "bench_outcomes";

  /** Which spec(s) to run. */
  enum SpecChoice {
    bench,
    fraud,
    both
  }

  @Option(
      names = "--events",
      description = "Number of generated payments (default: ${DEFAULT-VALUE}).")
  long events = 1_000_000;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(
      names = "--dataDir",
      description = "Where the generated data is cached (default: target/bench-data/fraud-<N>).")
  Path dataDir;

  @Option(
      names = "--specFile",
      description = "The fraud spec (default: testdata/fraud/fraud.yaml, or ../testdata/...).")
  Path specFile;

  @Option(
      names = "--spec",
      description = "Spec(s) to run: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  SpecChoice spec = SpecChoice.both;

  @Option(
      names = "--runners",
      split = ",",
      description = "Runners, comma-separated: direct, flink (default: ${DEFAULT-VALUE}).")
  List<String> runners = new ArrayList<>(List.of("direct", "flink"));

  @Option(
      names = "--paths",
      split = ",",
      description = "Paths, comma-separated: batch, streaming (default: ${DEFAULT-VALUE}).")
  List<String> paths = new ArrayList<>(List.of("batch", "streaming"));

  @Option(names = "--report", description = "Markdown report file (default: ${DEFAULT-VALUE}).")
  Path report = Paths.get("target", "bench-features.md");

  @Option(
      names = "--parallelism",
      description =
          "Flink parallelism (default: ${DEFAULT-VALUE}: 1 beat 2 on a 2-core machine, see"
              + " docs/benchmarks/features.md).")
  int parallelism = 1;

  @Option(
      names = "--objectReuse",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description = "Flink objectReuse (default: ${DEFAULT-VALUE}).")
  boolean objectReuse;

  @Option(
      names = "--fasterCopy",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description = "Flink fasterCopy (default: ${DEFAULT-VALUE}).")
  boolean fasterCopy;

  @Option(
      names = "--maxBundleSize",
      description = "Flink maxBundleSize (default: the runner's, 1000).")
  Long maxBundleSize;

  @Option(
      names = "--maxBundleTimeMs",
      description = "Flink maxBundleTimeMills (default: the runner's, 1000).")
  Long maxBundleTimeMs;

  @Option(
      names = "--directEnforcement",
      description =
          "Keep the direct runner's immutability and encodability checks (test aids; off by"
              + " default, as they are not part of a production runner's cost).")
  boolean directEnforcement;

  @Option(
      names = "--warmupEvents",
      description =
          "Run every configuration once on this many events first to warm the JIT and start the"
              + " Flink mini-cluster; 0: no warm-up (default: ${DEFAULT-VALUE}).")
  long warmupEvents = 20_000;

  @Option(
      names = "--sampleMs",
      description = "Heap sampling interval in ms (default: ${DEFAULT-VALUE}).")
  long sampleMs = 20;

  PrintStream stdout = System.out;
  PrintStream stderr = System.err;

  private EventSchema eventSchema;

  /** Runs the command line; exits with the status only when it is not zero. */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.flink") == null) {
      // The embedded cluster warns about its web UI, tokens and long operator names each job.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.flink", "error");
    }
    int status = new CommandLine(new FeatureBenchmark()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The 3 keys × 3 windows spec on {@code events}: 13 columns, no outcome features. */
  public static FeatureSpec benchSpec(EventSchema events) {
    FeatureSpec.Builder b =
        FeatureSpec.builder("bench_3x3")
            .events(events)
            .key("card", "card_id")
            .key("rider", "rider_id")
            .key("device", "device_id");
    Map<String, Duration> windows = new LinkedHashMap<>();
    windows.put("10m", Duration.standardMinutes(10));
    windows.put("1h", Duration.standardHours(1));
    windows.put("1d", Duration.standardDays(1));
    for (String key : List.of("card", "rider", "device")) {
      for (Map.Entry<String, Duration> w : windows.entrySet()) {
        b.feature(Feature.count(key + "_payments_" + w.getKey()).by(key).over(w.getValue()));
      }
      b.feature(
          Feature.of(key + "_amount_sum_1h", Aggregation.SUM, "amount")
              .by(key)
              .over(Duration.standardHours(1)));
    }
    return b.feature(Feature.value("amount")).build();
  }

  @Override
  public Integer call() throws Exception {
    for (String r : runners) {
      if (!r.equals("direct") && !r.equals("flink")) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown runner '" + r + "' (direct, flink)");
      }
    }
    for (String p : paths) {
      if (!p.equals("batch") && !p.equals("streaming")) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown path '" + p + "' (batch, streaming)");
      }
    }
    FeatureSpec fraud = FeatureSpecs.load(resolveSpecFile().toString());
    eventSchema = fraud.events();
    List<FeatureSpec> specs = new ArrayList<>();
    if (spec != SpecChoice.fraud) {
      specs.add(benchSpec(fraud.events()));
    }
    if (spec != SpecChoice.bench) {
      specs.add(fraud);
    }
    Path data = dataDir != null ? dataDir : Paths.get("target", "bench-data", "fraud-" + events);
    ensureData(data, events);
    Path warmup = null;
    if (warmupEvents > 0) {
      warmup = Paths.get("target", "bench-data", "fraud-" + warmupEvents);
      ensureData(warmup, warmupEvents);
    }
    stderr.printf(
        Locale.ROOT,
        "max heap %,d MiB, %d processors, flink: parallelism %d, objectReuse %s, fasterCopy %s,"
            + " maxBundleSize %s, maxBundleTimeMills %s%n",
        Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors(),
        parallelism,
        objectReuse,
        fasterCopy,
        maxBundleSize == null ? "default" : maxBundleSize,
        maxBundleTimeMs == null ? "default" : maxBundleTimeMs);

    List<Result> results = new ArrayList<>();
    HeapSampler heap = new HeapSampler(sampleMs);
    heap.start();
    try {
      for (String runner : runners) {
        for (String path : paths) {
          String tag = "[" + runner + "/" + path + "]";
          if (warmup != null) {
            stderr.printf(Locale.ROOT, "%s warm-up on %,d events...%n", tag, warmupEvents);
            measure(heap, baseline(runner, path, warmup));
            for (FeatureSpec s : specs) {
              measure(heap, features(runner, path, s, warmup));
            }
          }
          stderr.printf(Locale.ROOT, "%s running %,d events (baseline)...%n", tag, events);
          Measurement base = measure(heap, baseline(runner, path, data));
          stderr.printf(
              Locale.ROOT,
              "%s baseline: %,d events in %.2f s, %,.0f events/s, peak heap %,d MiB%n",
              tag,
              base.parsed,
              base.seconds,
              base.rate(),
              base.peakHeapMiB);
          for (FeatureSpec s : specs) {
            stderr.printf(Locale.ROOT, "%s running %,d events (%s)...%n", tag, events, s.name());
            Measurement m = measure(heap, features(runner, path, s, data));
            if (m.featured != m.parsed) {
              stderr.printf(
                  Locale.ROOT,
                  "%s ERROR: %,d featured events but %,d valid parsed events (%s)%n",
                  tag,
                  m.featured,
                  m.parsed,
                  s.name());
              return 1;
            }
            Result r = new Result(runner, path, s.name(), m, base);
            results.add(r);
            stderr.printf(
                Locale.ROOT,
                "%s %s: %,d events in %.2f s, %,.0f events/s, features-only %s events/s,"
                    + " peak heap %,d MiB%n",
                tag,
                s.name(),
                m.featured,
                m.seconds,
                m.rate(),
                formatRate(r.featuresOnlyRate()),
                m.peakHeapMiB);
          }
        }
      }
    } finally {
      heap.stop();
    }
    String table = table(results);
    stdout.println();
    stdout.print(table);
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Files.writeString(report, table, StandardCharsets.UTF_8);
    stderr.println("wrote " + report.toAbsolutePath());
    return 0;
  }

  private Path resolveSpecFile() {
    return specFile != null ? specFile : Path.of(Domain.FRAUD.defaultSpec());
  }

  /** Generates {@code n} payments (seed {@link #seed}) into {@code dir} unless already there. */
  private void ensureData(Path dir, long n) throws IOException {
    Path done = dir.resolve("COMPLETE");
    if (Files.exists(done)) {
      stderr.printf(Locale.ROOT, "reusing %,d generated events in %s%n", n, dir);
      return;
    }
    stderr.printf(Locale.ROOT, "generating %,d events into %s...%n", n, dir);
    long t0 = System.nanoTime();
    FraudGenerator generator = FraudGenerator.builder().seed(seed).events(n).build();
    GenerateFraud.write(generator, dir, GenerateFraud.Format.jsonl, n >= 100_000 ? stderr : null);
    Files.writeString(done, "seed=" + seed + " events=" + n + "\n", StandardCharsets.UTF_8);
    stderr.printf(Locale.ROOT, "generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private PipelineOptions options(String runner, String path) {
    if (runner.equals("flink")) {
      FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      o.setRunner(FlinkRunner.class);
      o.setFlinkMaster("[local]");
      o.setParallelism(parallelism);
      o.setStreaming(path.equals("streaming"));
      o.setObjectReuse(objectReuse);
      o.setFasterCopy(fasterCopy);
      if (maxBundleSize != null) {
        o.setMaxBundleSize(maxBundleSize);
      }
      if (maxBundleTimeMs != null) {
        o.setMaxBundleTimeMills(maxBundleTimeMs);
      }
      return o;
    }
    DirectOptions o = PipelineOptionsFactory.as(DirectOptions.class);
    o.setRunner(DirectRunner.class);
    o.setEnforceImmutability(directEnforcement);
    o.setEnforceEncodability(directEnforcement);
    return o;
  }

  private Pipeline baseline(String runner, String path, Path data) {
    Pipeline p = Pipeline.create(options(runner, path));
    parse(p, eventSchema, data).apply("CountParsed", ParDo.of(new CountFn<Row>(PARSED)));
    return p;
  }

  private Pipeline features(String runner, String path, FeatureSpec s, Path data) {
    Pipeline p = Pipeline.create(options(runner, path));
    boolean streaming = path.equals("streaming");
    PCollection<Row> rows = parse(p, s.events(), data);
    ExtractFeatures extract = ExtractFeatures.of(s);
    if (streaming) {
      extract = extract.withOrdering(ExtractFeatures.Ordering.ARRIVAL);
    }
    if (s.hasOutcomeFeatures()) {
      PCollection<Row> outcomes =
          p.apply(
                  "ReadOutcomes",
                  TextIO.read()
                      .from(
                          data.resolve(GenerateFraud.outcomesFile(GenerateFraud.Format.jsonl))
                              .toString()))
              .apply("ParseOutcomes", ParseEvents.json(s.outcomes()).withSource(OUTCOME_SOURCE))
              .rows();
      extract = extract.withLabels(labels(s, rows, outcomes, streaming));
    }
    rows.apply("ExtractFeatures", extract)
        .apply("CountFeatured", ParDo.of(new CountFn<FeaturedEvent>(FEATURED)));
    return p;
  }

  private static PCollection<Row> parse(Pipeline p, EventSchema schema, Path data) {
    return p.apply(
            "ReadEvents",
            TextIO.read()
                .from(
                    data.resolve(GenerateFraud.eventsFile(GenerateFraud.Format.jsonl)).toString()))
        .apply("ParseEvents", ParseEvents.json(schema).withSource(EVENT_SOURCE))
        .rows();
  }

  /**
   * Labels for the outcome-derived features: {@link JoinLabels#events} on the batch path; on the
   * streaming path the same wiring with {@link JoinLabels.Ordering#ARRIVAL}, as a streaming job
   * would run it (a bounded text source would otherwise pick the event-time join).
   */
  private static PCollection<Labeled<Row>> labels(
      FeatureSpec s, PCollection<Row> rows, PCollection<Row> outcomeRows, boolean streaming) {
    JoinLabels.LabelEvents join = JoinLabels.events(s, outcomeRows);
    if (streaming) {
      join = join.withOrdering(JoinLabels.Ordering.ARRIVAL);
    }
    return rows.apply("JoinLabels", join).labeled();
  }

  /** Times one pipeline and reads its counters and the peak heap. */
  private Measurement measure(HeapSampler heap, Pipeline p) {
    System.gc();
    heap.reset();
    long t0 = System.nanoTime();
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long peak = heap.peakMiB();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("pipeline ended in state " + state);
    }
    return new Measurement(
        counter(result, ParseEvents.METRICS_NAMESPACE, EVENT_SOURCE + "_valid"),
        counter(result, NAMESPACE, FEATURED),
        seconds,
        peak);
  }

  private static long counter(PipelineResult result, String namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(namespace, name))
                    .build())
            .getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  static String formatRate(double rate) {
    return Double.isFinite(rate) && rate > 0 ? String.format(Locale.ROOT, "%,.0f", rate) : "n/a";
  }

  static String table(List<Result> results) {
    StringBuilder t = new StringBuilder();
    t.append(
        "| runner | path | spec | events | seconds | events/s | baseline events/s |"
            + " features-only events/s | peak heap MiB |\n");
    t.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      t.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %,d | %.2f | %s | %s | %s | %,d |%n",
              r.runner,
              r.path,
              r.spec,
              r.features.featured,
              r.features.seconds,
              formatRate(r.features.rate()),
              formatRate(r.baseline.rate()),
              formatRate(r.featuresOnlyRate()),
              r.features.peakHeapMiB));
    }
    return t.toString();
  }

  /** One timed pipeline run. */
  record Measurement(long parsed, long featured, double seconds, long peakHeapMiB) {
    double rate() {
      return parsed / seconds;
    }
  }

  /** One row of the table: a features run and the baseline of its runner and path. */
  record Result(
      String runner, String path, String spec, Measurement features, Measurement baseline) {
    /** 1 / (1/total − 1/baseline): the rate of the feature work alone; NaN if not positive. */
    double featuresOnlyRate() {
      double extra = 1 / features.rate() - 1 / baseline.rate();
      return extra > 0 ? 1 / extra : Double.NaN;
    }
  }

  /** Counts its input in a Beam counter and outputs nothing. */
  static final class CountFn<T> extends DoFn<T, Void> {
    private final Counter count;

    CountFn(String name) {
      this.count = Metrics.counter(NAMESPACE, name);
    }

    @ProcessElement
    public void process(@Element T element) {
      count.inc();
    }
  }

  /**
   * Samples used heap ({@code MemoryMXBean}) on a daemon thread and keeps the maximum since the
   * last {@link #reset}, which also resets the heap pools' own peak counters.
   */
  static final class HeapSampler {
    private final long intervalMs;
    private final AtomicLong peak = new AtomicLong();
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    private volatile boolean running;
    private Thread thread;

    HeapSampler(long intervalMs) {
      this.intervalMs = Math.max(1, intervalMs);
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          pools.add(pool);
        }
      }
    }

    void start() {
      running = true;
      thread = new Thread(this::loop, "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join();
    }

    void reset() {
      pools.forEach(MemoryPoolMXBean::resetPeakUsage);
      peak.set(used());
    }

    /** The sampled peak of used heap since the last reset, in MiB. */
    long peakMiB() {
      peak.accumulateAndGet(used(), Math::max);
      return peak.get() >> 20;
    }

    private long used() {
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void loop() {
      while (running) {
        peak.accumulateAndGet(used(), Math::max);
        try {
          Thread.sleep(intervalMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
