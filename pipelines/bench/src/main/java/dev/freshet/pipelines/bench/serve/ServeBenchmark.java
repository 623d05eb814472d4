package dev.freshet.pipelines.bench.serve;

import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.cli.KafkaSettings;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end serving latency and throughput: event produced → prediction consumed, for {@code
 * freshet serve} on the direct runner and on embedded Flink, against a plain Java loop ({@link
 * PlainLoopServer}: KafkaConsumer → the same feature code → the same DJL scorer → KafkaProducer) in
 * the same run, on the same in-process Kafka broker and in the same JVM.
 *
 * <p>Per system, on fresh topics ({@code --partitions}, 2) and a fresh model registry (two
 * untrained models of the production network size, hidden layers 64 and 32):
 *
 * <ol>
 *   <li><b>start-up and vector check</b>: {@code --verifyEvents} events with fixed ids and event
 *       times are sent one at a time, each after the previous one's prediction arrived (so every
 *       system sees exactly the same per-key history). Their feature vectors must equal the loop's,
 *       and their latencies give the unloaded ("idle") latency.
 *   <li><b>warm-up</b> at up to {@code --warmupRate} for {@code --warmupSeconds}, pausing while 200
 *       events are unanswered (so a slow system does not start the measurements with a backlog).
 *       The default, 60 s at 5,000 events/s, is what it takes on 2 cores until the JIT compiler has
 *       (mostly) finished with a Flink job: with 10 s at 1,000/s it was still compiling at 40–90 %
 *       of a core during every later phase.
 *   <li><b>latency</b> at each of {@code --rates}: a paced producer sends generated payments for
 *       {@code --seconds} (event time and record timestamp = wall clock at sending, unique event
 *       ids, keyed by card); latency = time the benchmark's consumer received the prediction − time
 *       the event was due to be sent (matched by event id; measuring from the schedule, not the
 *       actual send, means a producer that falls behind cannot hide queueing), recorded in an
 *       HdrHistogram. The part until scoring is read from each prediction's {@code scored_at_ms}.
 *   <li><b>swap delay</b> (serve only): while events flow at {@code --swapRate}, a second version
 *       is promoted; the delay runs from the {@code registry.promote} call to the first consumed
 *       prediction carrying the new version.
 *   <li><b>throughput</b> (maximum sustained): a backlog of {@code --throughputEvents} events is
 *       produced as fast as possible; throughput = predictions consumed from the first prediction
 *       after the backlog started to the last one of the backlog, divided by that time (every
 *       prediction in between counts, so a system still busy with older events is measured at the
 *       rate it works them off; at most {@code --throughputTimeoutSeconds}). The CPU time of the
 *       whole JVM (system, broker and harness) over that phase, per prediction, is reported too.
 *       {@code --throughputWarmupRounds} backlogs are worked off first and not counted (the JIT
 *       compiler is still busy with the high-rate code paths during the first one), then {@code
 *       --throughputRounds} measured ones; the round with the median rate is reported, with the
 *       others. A system that saturated at a paced rate gets one measured round only.
 * </ol>
 *
 * <p>Before each phase the benchmark waits until every event sent so far was predicted (at most
 * {@code --drainSeconds}); a system that cannot catch up is marked saturated and its remaining
 * rates are skipped. Everything shares one JVM and the machine's cores: broker, producer, consumer
 * and the system under test; the 1-minute load average is printed per system, since other processes
 * on the machine change the figures.
 *
 * <pre>
 * mvn -B -o -q install -DskipTests -pl pipelines/bench -am
 * mvn -B -o -q -pl pipelines/bench exec:exec -Dexec.executable=java \
 *   -Dexec.args="-Xms6g -Xmx6g -XX:+AlwaysPreTouch -cp %classpath dev.freshet.pipelines.bench.serve.ServeBenchmark"
 * </pre>
 *
 * See {@code docs/benchmarks/serve.md}.
 */
@Command(
    name = "serve-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    sortOptions = false,
    description = {
      "Measures end-to-end serving latency (produce -> prediction consumed; p50/p95/p99/max) at"
          + " fixed rates, the maximum sustained throughput and the model swap delay of"
          + " `freshet serve` on the direct runner and on embedded Flink, against a plain Java"
          + " loop baseline in the same run, and writes a Markdown table."
    })
public final class ServeBenchmark implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec commandSpec;

  @Option(
      names = "--systems",
      split = ",",
      description =
          "Systems, comma-separated: loop, direct, flink (serve's defaults), flink-fanout and"
              + " flink-chained (flink with --featureStages forced), flink-checkpoints (checkpoints"
              + " every 2 s), flink-exactly-once (those checkpoints and"
              + " --deliveryGuarantee=EXACTLY_ONCE), flink-exactly-once-unaligned (with"
              + " --unalignedCheckpointEnabled), flink-checkpoints-poll1 and"
              + " flink-exactly-once-poll1 (with --consumerPollingTimeoutSeconds=1) (default:"
              + " ${DEFAULT-VALUE}).")
  List<String> systems = new ArrayList<>(SystemsUnderTest.ALL);

  @Option(
      names = "--rates",
      split = ",",
      description = "Offered rates in events/s, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> rates = new ArrayList<>(List.of(200, 1000, 5000));

  @Option(names = "--seconds", description = "Seconds per rate (default: ${DEFAULT-VALUE}).")
  int seconds = 10;

  @Option(
      names = "--warmupSeconds",
      description = "Seconds of warm-up traffic per system (default: ${DEFAULT-VALUE}).")
  int warmupSeconds = 60;

  @Option(
      names = "--warmupRate",
      description = "Events/s of the warm-up traffic (default: ${DEFAULT-VALUE}).")
  int warmupRate = 5000;

  @Option(
      names = "--riders",
      description =
          "Riders in the generated stream (cards: twice as many); 0 takes the generator's own"
              + " population for 20 payments/s (288,000 riders), where nearly every payment of a"
              + " run brings a new rider, card and device. 10000 makes each rider pay about 18"
              + " times in a run, so most payments meet keys that already have state"
              + " (default: ${DEFAULT-VALUE}).")
  int riders = 0;

  @Option(
      names = "--partitions",
      description =
          "Partitions of each fresh topic. On Flink with checkpoints, Beam 2.62's splittable"
              + " reader reads one partition at a time per subtask, up to 10 s each"
              + " (docs/benchmarks/serve.md) (default: ${DEFAULT-VALUE}).")
  int partitions = 2;

  @Option(
      names = "--throughputEvents",
      description =
          "Backlog produced at once for the throughput measurement; 0: skip (default:"
              + " ${DEFAULT-VALUE}).")
  int throughputEvents = 100_000;

  @Option(
      names = "--throughputTimeoutSeconds",
      description =
          "Longest wait for the backlog's predictions; a slower system is reported with the rate"
              + " of what arrived (default: ${DEFAULT-VALUE}).")
  int throughputTimeoutSeconds = 40;

  @Option(
      names = "--throughputWarmupRounds",
      description =
          "Backlogs worked off before the measured ones and not counted: the JIT compiler is"
              + " still busy with a runner's high-rate code paths during the first one. A system"
              + " that saturated at a paced rate skips them (default: ${DEFAULT-VALUE}).")
  int throughputWarmupRounds = 1;

  @Option(
      names = "--throughputRounds",
      description =
          "Measured backlogs per system; the median round is reported, with every round. A system"
              + " that saturated at a paced rate gets one (default: ${DEFAULT-VALUE}).")
  int throughputRounds = 3;

  @Option(
      names = "--drainSeconds",
      description =
          "Longest wait, after a phase, for its outstanding predictions (default:"
              + " ${DEFAULT-VALUE}).")
  int drainSeconds = 20;

  @Option(
      names = "--verifyEvents",
      description =
          "Events sent one at a time to check the vectors against the loop's and to measure"
              + " unloaded latency (default: ${DEFAULT-VALUE}).")
  int verifyEvents = 30;

  @Option(
      names = "--swap",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Measure the swap delay of serve; --swap=false skips it (default: ${DEFAULT-VALUE}).")
  boolean swap;

  @Option(
      names = "--swapRate",
      description = "Events/s while the swap is measured (default: ${DEFAULT-VALUE}).")
  int swapRate = 200;

  @Option(
      names = "--modelPollMillis",
      description =
          "serve --modelPollMillis: how often serve checks the production pointer (default:"
              + " serve's, 500).")
  Long modelPollMillis;

  @Option(
      names = "--flinkArgs",
      split = ",",
      description =
          "Extra serve arguments on Flink, comma-separated (--flinkArgs=--a=1,--b=2), after"
              + " --flinkMaster=[local]; serve adds its latency defaults for the bundle options"
              + " not given (default: ${DEFAULT-VALUE}).")
  List<String> flinkArgs = new ArrayList<>(List.of("--parallelism=1", "--fasterCopy=true"));

  @Option(
      names = "--flinkBufferTimeoutMs",
      description =
          "Flink execution.buffer-timeout.interval in ms, written to a flink-conf.yaml passed as"
              + " --flinkConfDir (Flink's default is 100 ms, a wait at every keyed exchange);"
              + " negative: leave Flink's default (default: ${DEFAULT-VALUE}).")
  long flinkBufferTimeoutMs = 1;

  @Option(
      names = "--flinkConf",
      description =
          "A further line of that flink-conf.yaml, as 'key: value'; repeatable (for example a"
              + " metrics reporter, to read each task's numRecordsIn).")
  List<String> flinkConf = new ArrayList<>();

  @Option(
      names = "--directArgs",
      split = ",",
      description =
          "Extra serve arguments on the direct runner, comma-separated (default: none; serve"
              + " itself turns off the runner's immutability and encodability checks).")
  List<String> directArgs = new ArrayList<>();

  @Option(
      names = "--bootstrapServers",
      description =
          "A Kafka cluster to measure against, instead of the in-process broker (its topics are"
              + " created, prefixed per system).")
  String bootstrapServers;

  @Mixin KafkaSettings kafkaSettings = new KafkaSettings();

  @Option(
      names = "--specFile",
      description = "The fraud spec (default: testdata/fraud/fraud.yaml, or ../testdata/...).")
  Path specFile;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--report", description = "Markdown report file (default: ${DEFAULT-VALUE}).")
  Path report = Paths.get("target", "bench-serve.md");

  PrintStream stdout = System.out;
  PrintStream stderr = System.err;

  private FeatureSpec spec;
  private SystemsUnderTest underTest;
  private Payments payments;
  private int runs;

  /** Runs the command line; exits with the status only when it is not zero. */
  public static void main(String[] args) {
    defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    // The embedded cluster warns about its web UI, tokens and long operator names each job.
    defaultProperty("org.slf4j.simpleLogger.log.org.apache.flink", "error");
    // KafkaUnboundedSource.split reports lineage outside a work thread on Flink: a harmless ERROR
    // with a stack trace, once per job.
    defaultProperty(
        "org.slf4j.simpleLogger.log.org.apache.beam.sdk.metrics.MetricsEnvironment", "off");
    defaultProperty("ai.djl.offline", "true");
    // Small batches of a small network: one intra-op thread per predictor (as the tests run).
    defaultProperty("ai.djl.pytorch.num_threads", "1");
    defaultProperty("ai.djl.pytorch.num_interop_threads", "1");
    int status = new CommandLine(new ServeBenchmark()).execute(args);
    System.exit(status);
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }

  @Override
  public Integer call() throws Exception {
    for (String s : systems) {
      if (!SystemsUnderTest.KNOWN.contains(s)) {
        throw new CommandLine.ParameterException(
            commandSpec.commandLine(),
            "unknown system '" + s + "' (" + String.join(", ", SystemsUnderTest.KNOWN) + ")");
      }
    }
    boolean checkpoints =
        SystemsUnderTest.checkpoints(flinkArgs)
            || systems.stream()
                .anyMatch(
                    s ->
                        SystemsUnderTest.checkpoints(
                            SystemsUnderTest.FLINK_VARIANTS.getOrDefault(s, List.of())));
    if (checkpoints && !Object.class.getModule().isOpen("java.util", getClass().getModule())) {
      throw new CommandLine.ParameterException(
          commandSpec.commandLine(),
          "checkpoints on the embedded Flink cluster need Flink's JVM flags for Java 17 (the"
              + " parent POM's flink.java.opens, e.g. --add-opens=java.base/java.util=ALL-UNNAMED):"
              + " without them every checkpoint fails and the job restarts (docs/faults.md). Add"
              + " them to the java command.");
    }
    if (partitions < 1) {
      throw new CommandLine.ParameterException(
          commandSpec.commandLine(), "--partitions must be 1 or more, got " + partitions);
    }
    if (throughputWarmupRounds < 0 || throughputRounds < 1) {
      throw new CommandLine.ParameterException(
          commandSpec.commandLine(),
          "--throughputWarmupRounds must be 0 or more and --throughputRounds 1 or more, got "
              + throughputWarmupRounds
              + " and "
              + throughputRounds);
    }
    spec = FeatureSpecs.load(resolveSpecFile().toString());
    underTest =
        new SystemsUnderTest(
            spec, modelPollMillis, flinkArgs, flinkBufferTimeoutMs, flinkConf, directArgs, stderr);
    int perSystem =
        verifyEvents
            + warmupRate * warmupSeconds
            + rates.stream().mapToInt(r -> r * seconds).sum()
            + (swap ? swapRate * 30 : 0)
            + throughputEvents * (throughputWarmupRounds + throughputRounds);
    long t0 = System.nanoTime();
    payments = Payments.generate(seed, riders, perSystem);
    log(
        "%d processors, max heap %,d MiB, %s; %,d generated payments per system from %s riders"
            + " (%.1f s); spec '%s' (%d features)",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        collectors(),
        payments.size(),
        ridersLabel(),
        (System.nanoTime() - t0) / 1e9,
        spec.name(),
        spec.size());

    List<SystemResult> results = new ArrayList<>();
    Path work = Files.createTempDirectory("freshet-serve-bench");
    EmbeddedKafka embedded = bootstrapServers == null ? EmbeddedKafka.start() : null;
    try {
      KafkaClients kafka =
          embedded != null
              ? KafkaClients.plain(embedded.bootstrapServers())
              : kafkaSettings.clients(bootstrapServers);
      log("Kafka at %s", kafka.describe());
      for (String system : systems) {
        results.add(runSystem(kafka, system, work));
      }
    } finally {
      if (embedded != null) {
        embedded.close();
      }
      deleteTree(work);
    }
    String table = Report.table(results, throughputTimeoutSeconds, runSettings());
    stdout.println();
    stdout.print(table);
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Files.writeString(report, table, StandardCharsets.UTF_8);
    log("wrote %s", report.toAbsolutePath());
    return 0;
  }

  /** One system on fresh topics and a fresh registry, through every phase. */
  private SystemResult runSystem(KafkaClients kafka, String system, Path work) throws Exception {
    payments.rewind();
    String prefix = (++runs) + "-" + system + "-";
    Topics topics = new Topics(prefix);
    KafkaTopics.create(kafka, partitions, List.of(topics.all()), Map.of());
    Path registryDir = work.resolve(prefix + "registry");
    ModelRegistry registry = ModelRegistry.at(registryDir.toString());
    String v1 = registerModel(registry, 1);
    String v2 = registerModel(registry, 2);
    registry.promote(v1);

    SystemResult result = new SystemResult(system, underTest.describe(system));
    result.loadBefore = loadAverage();
    log("[%s] starting (%s); load average %.1f", system, result.settings, result.loadBefore);
    long startNanos = System.nanoTime();
    Running running = underTest.start(kafka, system, topics, registryDir, work);
    try (KafkaProducer<String, String> producer = Sender.producer(kafka);
        PredictionReader reader = new PredictionReader(kafka, topics.predictions())) {
      reader.start();
      Sender sender = new Sender(producer, topics.events(), reader, payments);
      Phases phases = new Phases(system, reader, sender, running, drainSeconds, stderr);

      // 1. Start-up, then one event at a time: identical histories everywhere, unloaded latency.
      phases.verify(result, verifyEvents, startNanos);

      // 2. Warm-up.
      if (warmupSeconds > 0) {
        phases.warmUp(warmupRate, warmupSeconds);
      }

      // 3. Latency at each rate.
      boolean saturated = phases.latency(result, rates, seconds);
      running.check(system);

      // 4. Swap delay.
      if (swap && !system.equals(SystemsUnderTest.LOOP)) {
        result.swapMillis = phases.swap(registry, v2, swapRate);
      }

      // 5. Throughput from backlogs: warm-up rounds, then the measured ones (median reported).
      if (throughputEvents > 0) {
        phases.throughput(
            result,
            throughputEvents,
            saturated ? 0 : throughputWarmupRounds,
            saturated ? 1 : throughputRounds,
            throughputTimeoutSeconds);
      }
      running.check(system);
    } finally {
      result.loadAfter = loadAverage();
      log("[%s] stopping; load average %.1f", system, result.loadAfter);
      running.close();
    }
    return result;
  }

  /** An untrained model of the production network size (default ModelConfig: 64, 32). */
  private String registerModel(ModelRegistry registry, long modelSeed) throws Exception {
    return UntrainedModels.register(
        registry, FeatureLayouts.of(spec), ModelConfig.builder().seed(modelSeed).build());
  }

  private Path resolveSpecFile() {
    return specFile != null ? specFile : Path.of(Domain.FRAUD.defaultSpec());
  }

  /** The generated rider population, as the log and the report name it. */
  private String ridersLabel() {
    return riders > 0 ? String.format(Locale.ROOT, "%,d", riders) : "the generator's default";
  }

  /** The report's last line: the settings every system ran with, and the machine. */
  private String runSettings() {
    return String.format(
        Locale.ROOT,
        "%d s per rate, %d s warm-up at %,d/s, %,d-event backlogs (%d warm-up, %d measured;"
            + " one measured for a system saturated at a paced rate), %s riders, %d partitions,"
            + " %d processors, max heap %,d MiB, GC: %s",
        seconds,
        warmupSeconds,
        warmupRate,
        throughputEvents,
        throughputWarmupRounds,
        throughputRounds,
        ridersLabel(),
        partitions,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        collectors());
  }

  /** The garbage collectors of this JVM, e.g. "G1 Young Generation, G1 Old Generation". */
  private static String collectors() {
    return String.join(
        ", ",
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .toList());
  }

  /** The 1-minute load average of the machine (other processes included). */
  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private void log(String format, Object... args) {
    stderr.printf(Locale.ROOT, format + "%n", args);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
