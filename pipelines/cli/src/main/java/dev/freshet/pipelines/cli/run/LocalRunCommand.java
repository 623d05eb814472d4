package dev.freshet.pipelines.cli.run;

import dev.freshet.model.evaluation.Routing;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.cli.cluster.ClusterClasspath;
import dev.freshet.pipelines.cli.cluster.LocalCluster;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudSummary;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PipelineOptionsValidator;

/**
 * {@code freshet run}: the main job end to end on one machine. Starts an in-process Kafka broker
 * (unless {@code --bootstrapServers} names one), creates the topics, trains a model on the
 * committed fraud sample, starts {@code serve}, replays a freshly generated stream in event-time
 * order at an accelerated clock, reads the predictions back and prints what happened. Stops
 * everything it started before it returns.
 */
public final class LocalRunCommand {
  private static final List<String> USAGE =
      List.of(
          "Usage: freshet run [--runner=FlinkRunner|DirectRunner] [--option=value ...]",
          "Runs the main job end to end: Kafka (in-process unless --bootstrapServers is given),",
          "train on a history without the new fraud pattern, serve, learn (the continual loop:",
          "candidates, offline and online gates, promotions), replay a fresh stream in which the",
          "new pattern appears, print each decision and a summary, and chart online NE (PNG).",
          "While it runs, a live page (printed as \"live page: http://127.0.0.1:PORT/\") shows",
          "online NE growing as labels settle, the decisions with their evidence, throughput,",
          "latency and drift; --http=PORT picks its port (0, the default: a free one; -1: none).",
          "The runner defaults to the embedded Flink mini-cluster (the direct runner sustains",
          "about 20 payments/s, too few for the loop); --loop=false runs serve alone.",
          "--cluster runs serve and learn as jobs on a local cluster of separate processes (a",
          "Flink JobManager, two TaskManagers, three Kafka brokers) started for the run and",
          "stopped after it; --flinkMaster=localhost:PORT --bootstrapServers=... use a running",
          "one (freshet cluster up). Either way the jobs' code is staged from this class path.",
          "The options of freshet train (--epochs, --hiddenLayers, ...) apply to its training,",
          "those of freshet serve and freshet learn to those pipelines.");

  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final int PARTITIONS = 2;

  /** The generated history the first model is trained on: no new fraud pattern in it. */
  private static final long HISTORY_SEED = 42;

  private static final long HISTORY_EVENTS = 20_000;

  /** Payments per second of stream time, in the history and the replayed stream. */
  private static final double EVENTS_PER_SECOND = 0.1;

  /**
   * The loop's defaults in the run. Shadow routing: the challenger scores every event and the
   * online gate compares both versions on the same traffic. A wider offline margin: the smoke-test
   * set predates the new fraud pattern, and a copy that learns it gives up some NE on the old data
   * (measured: 15-25% on the smoke test while better online); the offline gate still refuses broken
   * and badly miscalibrated copies, and the online gate judges the rest.
   */
  private static final List<String> LOOP_DEFAULTS =
      List.of("--routing=" + Routing.SHADOW, "--maxNeRegression=0.5");

  private final RunOptions options;

  /** The arguments the run's pipelines start from: the user's with the run's defaults. */
  private final List<String> args;

  private final FeatureSpec spec;
  private final Path work;
  private final PrintStream out;

  /** When the run started (nanoTime). */
  private final long t0;

  private LocalRunCommand(
      RunOptions options,
      List<String> args,
      FeatureSpec spec,
      Path work,
      PrintStream out,
      long t0) {
    this.options = options;
    this.args = args;
    this.spec = spec;
    this.work = work;
    this.out = out;
    this.t0 = t0;
  }

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(RunOptions.class);
    PipelineOptionsFactory.register(TrainOptions.class);
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, RunOptions.class);
      return 0;
    }
    String runId = RUN_ID.format(Instant.now());
    String[] given = withRunDefaults(args);
    RunOptions options = PipelineOptionsFactory.fromArgs(given).as(RunOptions.class);
    if (options.getDomain() != Domain.FRAUD) {
      throw new IllegalArgumentException(
          "--domain="
              + options.getDomain()
              + ": freshet run replays the fraud generator; use FRAUD (or serve and replay"
              + " your own data with freshet serve and freshet replay)");
    }
    Path work = Path.of(options.getWorkDir() != null ? options.getWorkDir() : "out/runs/" + runId);
    Files.createDirectories(work);
    long t0 = System.nanoTime();
    LocalCluster cluster = options.getCluster() ? startCluster(given, work, out, t0) : null;
    try {
      if (cluster != null) {
        given = withCluster(given, cluster);
      }
      return run(given, work, runId, out, t0);
    } finally {
      if (cluster != null) {
        out.printf("stopping the cluster (%s)%n", cluster.dir());
        cluster.close();
      }
    }
  }

  /** Kafka (in-process unless given), then the run's phases. */
  private static int run(String[] given, Path work, String runId, PrintStream out, long t0)
      throws Exception {
    RunOptions options = PipelineOptionsFactory.fromArgs(given).as(RunOptions.class);
    boolean remote = remoteFlink(given);
    if (remote) {
      // The cluster's processes read the registry: a path that means the same from their
      // working directory.
      work = work.toAbsolutePath();
    }
    EmbeddedKafka embedded = startKafka(options, out, t0);
    try {
      List<String> all = pipelineArgs(given, work, runId, embedded);
      if (remote) {
        // On a cluster the jobs checkpoint (a TaskManager lost restarts them from the last one).
        all =
            stagedFromThisClassPath(
                new ArrayList<>(
                    Arrays.asList(
                        Launcher.withDefaults(
                            all.toArray(new String[0]), List.of("--checkpointingInterval=10000")))),
                out);
      }
      RunOptions resolved =
          PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(RunOptions.class);
      PipelineOptionsValidator.validate(RunOptions.class, resolved);
      return new LocalRunCommand(resolved, all, Specs.load(resolved), work, out, t0).execute();
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /**
   * [0/5] with {@code --cluster}: a local cluster in {@code <work>/cluster}; refused beside options
   * that name another cluster.
   */
  private static LocalCluster startCluster(String[] given, Path work, PrintStream out, long t0)
      throws IOException, InterruptedException {
    for (String a : given) {
      if (a.startsWith("--bootstrapServers=") || a.startsWith("--flinkMaster=")) {
        throw new IllegalArgumentException(
            "--cluster starts a cluster of its own; drop "
                + a.substring(0, a.indexOf('='))
                + " (to use a running cluster, give --flinkMaster and --bootstrapServers without"
                + " --cluster)");
      }
    }
    Path dir = work.resolve("cluster");
    out.printf(
        "[0/5] cluster: starting a Flink JobManager, two TaskManagers and three Kafka brokers,"
            + " each its own JVM (logs in %s)...%n",
        dir.resolve("logs"));
    LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.in(dir), indented(out));
    out.printf(
        "      Flink %s, Kafka %s, ready in %.1f s%n",
        cluster.restAddress(), cluster.bootstrapServers(), seconds(t0));
    return cluster;
  }

  private static String[] withCluster(String[] given, LocalCluster cluster) {
    List<String> all = new ArrayList<>(Arrays.asList(given));
    all.add("--flinkMaster=" + cluster.flinkMaster());
    all.add("--bootstrapServers=" + cluster.bootstrapServers());
    return all.toArray(new String[0]);
  }

  /** Whether the run's jobs go to a Flink cluster elsewhere (not the embedded mini-cluster). */
  private static boolean remoteFlink(String[] given) {
    PipelineOptions o = PipelineOptionsFactory.fromArgs(given).withoutStrictParsing().create();
    return o.getRunner() == FlinkRunner.class && !Launcher.embeddedFlink(o);
  }

  /**
   * The run's arguments with {@code --filesToStage}, unless given: the jars and classes of this
   * class path that a Flink distribution lacks (Freshet, Beam, the Kafka client; see {@link
   * ClusterClasspath}), uploaded to the cluster's BlobServer with each job.
   */
  private static List<String> stagedFromThisClassPath(List<String> all, PrintStream out) {
    if (all.stream().anyMatch(a -> a.startsWith("--filesToStage="))) {
      return all;
    }
    List<String> files = ClusterClasspath.jobFiles();
    out.printf(
        "      the jobs' code: %d jars and class directories of this class path, staged with each"
            + " job%n",
        files.size());
    List<String> staged = new ArrayList<>(all);
    staged.add("--filesToStage=" + String.join(",", files));
    return staged;
  }

  /**
   * {@code args} with the run's defaults where not given: the Flink runner, the runner's settings,
   * and the loop's unless {@code --loop=false}.
   */
  private static String[] withRunDefaults(String[] args) {
    String[] given =
        Launcher.withRunnerDefaults(Launcher.withDefaults(args, List.of("--runner=FlinkRunner")));
    boolean loop = PipelineOptionsFactory.fromArgs(given).as(RunOptions.class).getLoop();
    return loop ? Launcher.withDefaults(given, LOOP_DEFAULTS) : given;
  }

  /**
   * The arguments the run's pipelines start from: {@code given} with the run's registry, earliest
   * offsets and consumer group where not given, and the in-process broker if one was started.
   */
  private static List<String> pipelineArgs(
      String[] given, Path work, String runId, EmbeddedKafka embedded) {
    List<String> all =
        new ArrayList<>(
            Arrays.asList(
                Launcher.withDefaults(
                    given,
                    List.of(
                        "--registry=" + work.resolve("registry"),
                        "--startOffset=EARLIEST",
                        "--consumerGroup=freshet-run-" + runId))));
    if (embedded != null) {
      all.add("--bootstrapServers=" + embedded.bootstrapServers());
    }
    return all;
  }

  /** [1/5]: an in-process broker, or null when {@code --bootstrapServers} names one. */
  private static EmbeddedKafka startKafka(RunOptions options, PrintStream out, long t0)
      throws IOException {
    if (options.getBootstrapServers() != null) {
      out.printf("[1/5] Kafka: using %s%n", KafkaClients.of(options).describe());
      return null;
    }
    out.println("[1/5] Kafka: starting an in-process broker (KRaft)...");
    EmbeddedKafka embedded = EmbeddedKafka.start();
    out.printf("      broker at %s, ready in %.1f s%n", embedded.bootstrapServers(), seconds(t0));
    return embedded;
  }

  /** The phases after the broker, in order; returns the exit status. */
  private int execute() throws Exception {
    createTopics();
    String first = train();
    boolean flink = options.getRunner() == FlinkRunner.class;
    long replayEvents =
        (long)
            positiveOrDefault(
                "--replayEvents",
                options.getReplayEvents(),
                !flink ? 1_000 : options.getLoop() ? 150_000 : 20_000);
    double speedup = positiveOrDefault("--speedup", options.getSpeedup(), flink ? 10_000 : 200);
    GeneratedFraud stream = generate(replayEvents);
    ReplayWatch watched = serveAndReplay(first, stream, speedup);
    return summarize(first, stream, watched);
  }

  /** [1/5] continued: the topics the run's pipelines read and write. */
  private void createTopics() {
    List<String> topics =
        List.of(
            options.getEventsTopic(),
            options.getOutcomesTopic(),
            options.getPredictionsTopic(),
            options.getDeadLettersTopic(),
            options.getModelEventsTopic());
    // The run replays past events; topics it creates keep them whatever their age.
    KafkaTopics.create(
        KafkaClients.of(options), PARTITIONS, topics, KafkaTopics.KEEP_REGARDLESS_OF_AGE);
    out.printf(
        "      topics %s (%d partitions, retention.ms=-1 where created); work dir %s%n",
        String.join(", ", topics), PARTITIONS, work);
  }

  /** [2/5]: trains the first model on a history without the new pattern; returns its version. */
  private String train() throws Exception {
    GeneratedFraud history =
        GeneratedFraud.write(
            FraudGenerator.builder()
                .seed(HISTORY_SEED)
                .events(HISTORY_EVENTS)
                .eventsPerSecond(EVENTS_PER_SECOND)
                .driftAt(-1)
                .build(),
            work.resolve("history"));
    FraudSummary trained = history.summary();
    out.printf(
        "%n[2/5] train: a history of %,d payments (seed %d, %s .. %s) without the fraud pattern"
            + " that appears later -> %s%n",
        trained.events(),
        HISTORY_SEED,
        trained.firstEventTime(),
        trained.lastEventTime(),
        options.getRegistry());
    List<String> trainArgs = new ArrayList<>(args);
    trainArgs.add("--positiveClassWeight=5");
    trainArgs.add("--events=" + history.events());
    trainArgs.add("--outcomes=" + history.outcomes());
    TrainJob.train(
        PipelineOptionsFactory.fromArgs(trainArgs.toArray(new String[0])).as(TrainOptions.class),
        indented(out));
    return ModelRegistry.at(options.getRegistry()).production().orElseThrow();
  }

  /** [3/5]: a fresh stream in which the new fraud pattern appears at {@code --driftAt}. */
  private GeneratedFraud generate(long events) throws IOException {
    out.printf("%n[3/5] generate the stream to replay (seed %d)...%n", options.getStreamSeed());
    GeneratedFraud stream =
        GeneratedFraud.write(
            FraudGenerator.builder()
                .seed(options.getStreamSeed())
                .events(events)
                .eventsPerSecond(EVENTS_PER_SECOND)
                .start(FraudGenerator.DEFAULT_START.plus(Duration.ofDays(3)))
                .driftAt(options.getDriftAt() < 0 ? -1 : options.getDriftAt())
                .build(),
            work.resolve("stream"));
    FraudSummary summary = stream.summary();
    out.printf(
        "      %,d payments (%.1f%% fraud), %,d chargebacks, %s .. %s, new fraud pattern from %s%n",
        summary.events(),
        100 * summary.fraudRate(),
        summary.chargebacks(),
        summary.firstEventTime(),
        summary.lastEventTime(),
        summary.driftOnset() == null ? "nowhere (--driftAt < 0)" : summary.driftOnset());
    return stream;
  }

  /**
   * [4/5] and [5/5]: starts serve (and learn), waits until serve is live, replays the stream while
   * watching what comes back, and stops both jobs; returns the watch with what it saw.
   */
  private ReplayWatch serveAndReplay(String first, GeneratedFraud stream, double speedup)
      throws Exception {
    out.printf(
        "%n[4/5] serve%s: starting...%n",
        options.getLoop() ? " (routing " + options.getRouting() + ") and learn" : "");
    String[] running = sideBySide();
    PipelineResult serving =
        ServeJob.start(
            PipelineOptionsFactory.fromArgs(running).as(RunOptions.class), indented(out));
    PipelineResult learning = null;
    ReplayWatch watch =
        new ReplayWatch(options, new RunReport(spec.events().name()), new LoopReport(first), out);
    AutoCloseable page = RunPage.serve(options, spec, first, stream, watch, work, out);
    try (page;
        TopicTail tail = watch.tail()) {
      if (options.getLoop()) {
        learning = LearnJob.start(learnOptions(running), indented(out));
      }
      watch.awaitLive(tail, spec.events(), stream.events());
      watch.replay(tail, replay(stream, speedup), stream.summary().driftOnset(), serving);
    } finally {
      if (learning != null) {
        stop(learning);
      }
      stop(serving);
    }
    return watch;
  }

  /** [5/5]: announces the replay and returns it, ready to run. */
  private ReplayCommand replay(GeneratedFraud stream, double speedup) {
    out.printf(
        "%n[5/5] replay: %,d payments and their chargebacks at %,.0fx stream time (%,.0f"
            + " payments/s; the chargebacks after the last payment unpaced)%s%n",
        stream.summary().events(),
        speedup,
        speedup * EVENTS_PER_SECOND,
        options.getLoop() ? "; the loop's decisions as they are announced:" : "");
    return ReplayCommand.of(
            stream.events(), stream.outcomes(), KafkaClients.of(options), "card_id", speedup)
        .toTopics(options.getEventsTopic(), options.getOutcomesTopic())
        .until(stream.end(spec))
        .unpacedAfter(stream.summary().lastEventTime());
  }

  /**
   * Every record accounted for, the served model's quality on the labels seen and the loop's
   * record; returns the exit status: 0 when every event in came out as a prediction or a dead
   * letter.
   */
  private int summarize(String first, GeneratedFraud stream, ReplayWatch watched) throws Exception {
    out.printf("%n=== summary (%.1f s in all) ===%n", seconds(t0));
    RunReport report = watched.report();
    report.print(out, watched.eventsIn());
    List<RunReport.Labelled> labelled =
        report.labelled(
            stream.outcomeTimes(), spec.labelWindow().getMillis(), stream.end(spec).toEpochMilli());
    if (printQuality(RunReport.quality(labelled)) && options.getLoop()) {
      LoopSummary.print(
          options,
          spec,
          first,
          watched.loop(),
          labelled,
          stream.summary().driftOnset(),
          watched.driftSeenMillis(),
          work,
          out);
    }
    out.printf("registry %s; stream files %s%n", options.getRegistry(), stream.dir());
    return report.balanced(watched.eventsIn()) ? 0 : 1;
  }

  /** Prints the served model's quality; returns false when it is not measurable (one class). */
  private boolean printQuality(BinaryMetrics quality) {
    if (quality.positives() == 0 || quality.positives() == quality.examples()) {
      out.printf(
          "model quality: not measurable (%,d labelled events, %,d positive)%n",
          quality.examples(), quality.positives());
      return false;
    }
    out.printf(
        "model quality on the labels seen (every replayed payment's %s window closed): NE %.4f,"
            + " AUC %.4f, log loss %.4f (%,d events, %,d positive)%n",
        spec.labelWindow().getStandardHours() + " h",
        quality.normalizedEntropy(),
        quality.auc(),
        quality.logLoss(),
        quality.examples(),
        quality.positives());
    return true;
  }

  /**
   * Options for serve and learn running side by side: on Flink one task slot each unless {@code
   * --parallelism} is given (on 2 cores, parallelism 2 was slower for serve: its slots compete with
   * each other, the broker and the replay; docs/benchmarks/serve.md), and no defensive copies
   * between chained operators (Beam DoFns must not mutate their input).
   */
  private String[] sideBySide() {
    String[] given = args.toArray(new String[0]);
    return options.getRunner() == FlinkRunner.class
        ? Launcher.withDefaults(given, List.of("--parallelism=1", "--fasterCopy=true"))
        : given;
  }

  /** Learn's options: those given to the run, with a consumer group of its own. */
  private static LearnOptions learnOptions(String[] args) {
    List<String> learn = new ArrayList<>();
    for (String a : args) {
      learn.add(a.startsWith("--consumerGroup=") ? a + "-learn" : a);
    }
    return LearnJob.parse(learn.toArray(new String[0]));
  }

  private static PrintStream indented(PrintStream out) {
    return new PrintStream(out, true) {
      @Override
      public PrintStream printf(String format, Object... args) {
        return super.printf("      " + format, args);
      }

      @Override
      public void println(String s) {
        super.println("      " + s);
      }
    };
  }

  private static double positiveOrDefault(String option, double value, double fallback) {
    if (value < 0) {
      throw new IllegalArgumentException(
          option + " must be positive (or 0 for the runner's default), got " + value);
    }
    return value == 0 ? fallback : value;
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /**
   * Cancels a job and waits (at most 15 s) until it has stopped, so that what its tasks print while
   * they are torn down comes before the summary rather than in the middle of it.
   */
  private static void stop(PipelineResult job) throws IOException, InterruptedException {
    job.cancel();
    // Flink's detached result polls only every --jobCheckIntervalInSecs (5 s); ask more often.
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (job.getState().isTerminal()) {
          return;
        }
      } catch (IllegalStateException e) {
        // An embedded Flink cluster started for a detached job shuts down with the job.
        return;
      }
      Thread.sleep(100);
    }
  }
}
