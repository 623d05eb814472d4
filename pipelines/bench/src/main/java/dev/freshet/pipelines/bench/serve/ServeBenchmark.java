package dev.freshet.pipelines.bench.serve;

import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudJsonl;
import dev.freshet.testdata.FraudStream;
import dev.freshet.testdata.Payment;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end serving latency and throughput: event produced → prediction consumed, for {@code
 * freshet serve} on the direct runner and on embedded Flink, against a plain Java loop ({@link
 * PlainLoopServer}: KafkaConsumer → the same feature code → the same DJL scorer → KafkaProducer) in
 * the same run, on the same in-process Kafka broker and in the same JVM.
 *
 * <p>Per system, on fresh topics (2 partitions) and a fresh model registry (two untrained models of
 * the production network size, hidden layers 64 and 32):
 *
 * <ol>
 *   <li><b>start-up and vector check</b>: {@code --verify-events} events with fixed ids and event
 *       times are sent one at a time, each after the previous one's prediction arrived (so every
 *       system sees exactly the same per-key history). Their feature vectors must equal the loop's,
 *       and their latencies give the unloaded ("idle") latency.
 *   <li><b>warm-up</b> at up to {@code --warmup-rate} for {@code --warmup-seconds}, pausing while
 *       200 events are unanswered (so a slow system does not start the measurements with a
 *       backlog). The default, 60 s at 5,000 events/s, is what it takes on 2 cores until the JIT
 *       compiler has (mostly) finished with a Flink job: with 10 s at 1,000/s it was still
 *       compiling at 40–90 % of a core during every later phase.
 *   <li><b>latency</b> at each of {@code --rates}: a paced producer sends generated payments for
 *       {@code --seconds} (event time and record timestamp = wall clock at sending, unique event
 *       ids, keyed by card); latency = time the benchmark's consumer received the prediction − time
 *       the event was due to be sent (matched by event id; measuring from the schedule, not the
 *       actual send, means a producer that falls behind cannot hide queueing), recorded in an
 *       HdrHistogram. The part until scoring is read from each prediction's {@code scored_at_ms}.
 *   <li><b>swap delay</b> (serve only): while events flow at {@code --swap-rate}, a second version
 *       is promoted; the delay runs from the {@code registry.promote} call to the first consumed
 *       prediction carrying the new version.
 *   <li><b>throughput</b> (maximum sustained): a backlog of {@code --throughput-events} events is
 *       produced as fast as possible; throughput = predictions consumed from the first prediction
 *       after the backlog started to the last one of the backlog, divided by that time (every
 *       prediction in between counts, so a system still busy with older events is measured at the
 *       rate it works them off; at most {@code --throughput-timeout-seconds}). The CPU time of the
 *       whole JVM (system, broker and harness) over that phase, per prediction, is reported too.
 *       {@code --throughput-warmup-rounds} backlogs are worked off first and not counted (the JIT
 *       compiler is still busy with the high-rate code paths during the first one), then {@code
 *       --throughput-rounds} measured ones; the round with the median rate is reported, with the
 *       others. A system that saturated at a paced rate gets one measured round only.
 * </ol>
 *
 * <p>Before each phase the benchmark waits until every event sent so far was predicted (at most
 * {@code --drain-seconds}); a system that cannot catch up is marked saturated and its remaining
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
  static final String LOOP = "loop";
  static final String DIRECT = "direct";
  static final String FLINK = "flink";
  private static final int PARTITIONS = 2;
  private static final Duration FIRST_PREDICTION_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration LOCKSTEP_TIMEOUT = Duration.ofSeconds(30);

  /** Warm-up waits while this many events are unanswered, so no system starts with a backlog. */
  private static final int WARMUP_MAX_OUTSTANDING = 200;

  @Option(
      names = "--systems",
      split = ",",
      description = "Systems, comma-separated: loop, direct, flink (default: ${DEFAULT-VALUE}).")
  List<String> systems = new ArrayList<>(List.of(LOOP, DIRECT, FLINK));

  @Option(
      names = "--rates",
      split = ",",
      description = "Offered rates in events/s, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> rates = new ArrayList<>(List.of(200, 1000, 5000));

  @Option(names = "--seconds", description = "Seconds per rate (default: ${DEFAULT-VALUE}).")
  int seconds = 10;

  @Option(
      names = "--warmup-seconds",
      description = "Seconds of warm-up traffic per system (default: ${DEFAULT-VALUE}).")
  int warmupSeconds = 60;

  @Option(
      names = "--warmup-rate",
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
      names = "--throughput-events",
      description =
          "Backlog produced at once for the throughput measurement; 0: skip (default:"
              + " ${DEFAULT-VALUE}).")
  int throughputEvents = 100_000;

  @Option(
      names = "--throughput-timeout-seconds",
      description =
          "Longest wait for the backlog's predictions; a slower system is reported with the rate"
              + " of what arrived (default: ${DEFAULT-VALUE}).")
  int throughputTimeoutSeconds = 40;

  @Option(
      names = "--throughput-warmup-rounds",
      description =
          "Backlogs worked off before the measured ones and not counted: the JIT compiler is"
              + " still busy with a runner's high-rate code paths during the first one. A system"
              + " that saturated at a paced rate skips them (default: ${DEFAULT-VALUE}).")
  int throughputWarmupRounds = 1;

  @Option(
      names = "--throughput-rounds",
      description =
          "Measured backlogs per system; the median round is reported, with every round. A system"
              + " that saturated at a paced rate gets one (default: ${DEFAULT-VALUE}).")
  int throughputRounds = 3;

  @Option(
      names = "--drain-seconds",
      description =
          "Longest wait, after a phase, for its outstanding predictions (default:"
              + " ${DEFAULT-VALUE}).")
  int drainSeconds = 20;

  @Option(
      names = "--verify-events",
      description =
          "Events sent one at a time to check the vectors against the loop's and to measure"
              + " unloaded latency (default: ${DEFAULT-VALUE}).")
  int verifyEvents = 30;

  @Option(
      names = "--swap",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Measure the swap delay of serve (default: ${DEFAULT-VALUE}).")
  boolean swap;

  @Option(
      names = "--swap-rate",
      description = "Events/s while the swap is measured (default: ${DEFAULT-VALUE}).")
  int swapRate = 200;

  @Option(
      names = "--model-poll-millis",
      description =
          "serve --modelPollMillis: how often serve checks the production pointer (default:"
              + " serve's, 500).")
  Long modelPollMillis;

  @Option(
      names = "--flink-args",
      split = ",",
      description =
          "Extra serve arguments on Flink, comma-separated (--flink-args=--a=1,--b=2), after"
              + " --flinkMaster=[local]; serve adds its latency defaults for the bundle options"
              + " not given (default: ${DEFAULT-VALUE}).")
  List<String> flinkArgs = new ArrayList<>(List.of("--parallelism=1", "--fasterCopy=true"));

  @Option(
      names = "--flink-buffer-timeout-ms",
      description =
          "Flink execution.buffer-timeout.interval in ms, written to a flink-conf.yaml passed as"
              + " --flinkConfDir (Flink's default is 100 ms, a wait at every keyed exchange);"
              + " negative: leave Flink's default (default: ${DEFAULT-VALUE}).")
  long flinkBufferTimeoutMs = 1;

  @Option(
      names = "--direct-args",
      split = ",",
      description =
          "Extra serve arguments on the direct runner, comma-separated (default: none; serve"
              + " itself turns off the runner's immutability and encodability checks).")
  List<String> directArgs = new ArrayList<>();

  @Option(
      names = "--spec-file",
      description = "The fraud spec (default: testdata/fraud/fraud.yaml, or ../testdata/...).")
  Path specFile;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--report", description = "Markdown report file (default: ${DEFAULT-VALUE}).")
  Path report = Paths.get("target", "bench-serve.md");

  PrintStream stdout = System.out;
  PrintStream stderr = System.err;

  private FeatureSpec spec;
  private List<Payment> payments;
  private int nextPayment;
  private long verifyBaseMillis;
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
      if (!List.of(LOOP, DIRECT, FLINK).contains(s)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown system '" + s + "' (loop, direct, flink)");
      }
    }
    if (throughputWarmupRounds < 0 || throughputRounds < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--throughput-warmup-rounds must be 0 or more and --throughput-rounds 1 or more, got "
              + throughputWarmupRounds
              + " and "
              + throughputRounds);
    }
    spec = FeatureSpecs.load(resolveSpecFile().toString());
    int perSystem =
        verifyEvents
            + warmupRate * warmupSeconds
            + rates.stream().mapToInt(r -> r * seconds).sum()
            + (swap ? swapRate * 30 : 0)
            + throughputEvents * (throughputWarmupRounds + throughputRounds);
    long t0 = System.nanoTime();
    payments = generate(perSystem);
    verifyBaseMillis = System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(10);
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
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      log("Kafka at %s", kafka.bootstrapServers());
      for (String system : systems) {
        results.add(runSystem(kafka, system, work));
      }
    } finally {
      deleteTree(work);
    }
    String table = table(results);
    stdout.println();
    stdout.print(table);
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Files.writeString(report, table, StandardCharsets.UTF_8);
    log("wrote %s", report.toAbsolutePath());
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // One system

  private SystemResult runSystem(EmbeddedKafka kafka, String system, Path work) throws Exception {
    nextPayment = 0;
    String prefix = (++runs) + "-" + system + "-";
    Topics topics = new Topics(prefix);
    KafkaTopics.create(kafka.bootstrapServers(), PARTITIONS, List.of(topics.all()));
    Path registryDir = work.resolve(prefix + "registry");
    ModelRegistry registry = ModelRegistry.at(registryDir.toString());
    String v1 = registerModel(registry, 1);
    String v2 = registerModel(registry, 2);
    registry.promote(v1);

    SystemResult result = new SystemResult(system, describe(system));
    result.loadBefore = loadAverage();
    log("[%s] starting (%s); load average %.1f", system, result.settings, result.loadBefore);
    long startNanos = System.nanoTime();
    Running running = startSystem(kafka, system, topics, registryDir, work);
    try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
        PredictionReader reader =
            new PredictionReader(kafka.bootstrapServers(), topics.predictions)) {
      reader.start();
      Sender sender = new Sender(producer, topics.events, reader);

      // 1. Start-up, then one event at a time: identical histories everywhere, unloaded latency.
      Phase verify = reader.newPhase("verify", true);
      for (int i = 0; i < verifyEvents; i++) {
        Payment p = nextPayment();
        long eventTime =
            verifyBaseMillis
                + (p.eventTime().toEpochMilli() - payments.get(0).eventTime().toEpochMilli());
        sender.send(verify, "verify-" + i, p, eventTime, System.nanoTime());
        producer.flush();
        long received = i + 1;
        Duration timeout = i == 0 ? FIRST_PREDICTION_TIMEOUT : LOCKSTEP_TIMEOUT;
        if (!waitFor(() -> verify.received.get() >= received || failed(running), timeout)) {
          throw new IllegalStateException(
              system + ": no prediction for verification event " + i + " within " + timeout);
        }
        checkRunning(system, running);
        if (i == 0) {
          result.startupSeconds = (verify.lastNanos - startNanos) / 1e9;
          log("[%s] first prediction %.1f s after start", system, result.startupSeconds);
          synchronized (verify) {
            verify.histogram.reset();
            verify.untilScored.reset();
          }
        }
      }
      result.verify = verify.summary(0, 0);
      result.vectors = verify.vectors;
      log("[%s] %s", system, result.verify.line("idle (1 at a time)"));

      // 2. Warm-up.
      if (warmupSeconds > 0) {
        Phase warm = reader.newPhase("warmup", false);
        log(
            "[%s] warm-up: %d events/s for %d s, at most %d unanswered",
            system, warmupRate, warmupSeconds, WARMUP_MAX_OUTSTANDING);
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        double sent =
            sender.paced(
                warm,
                warmupRate,
                (long) warmupRate * warmupSeconds,
                WARMUP_MAX_OUTSTANDING,
                () -> System.nanoTime() > warmEnd,
                null);
        drain(system, reader, running);
        log("[%s] %s", system, warm.summary(warmupRate, sent).line("warm-up"));
      }

      // 3. Latency at each rate.
      boolean saturated = false;
      for (int rate : rates) {
        if (saturated) {
          result.rates.add(RateResult.skipped(rate));
          continue;
        }
        Phase phase = reader.newPhase("r" + rate, false);
        log("[%s] %d events/s for %d s...", system, rate, seconds);
        double sent = sender.paced(phase, rate, (long) rate * seconds, 0, () -> false, null);
        // More than a second's worth of events unanswered when sending stops: not keeping up.
        long backlog = reader.outstanding();
        boolean drained = drain(system, reader, running);
        RateResult r = phase.summary(rate, sent);
        log("[%s] %s", system, r.line(rate + "/s"));
        if (!drained || backlog > rate) {
          r = r.asSaturated();
          saturated = true;
          log(
              "[%s] saturated at %d events/s (%,d events unanswered when sending stopped%s):"
                  + " remaining rates skipped",
              system,
              rate,
              backlog,
              drained ? "" : ", not all answered " + drainSeconds + " s later");
        }
        result.rates.add(r);
      }
      checkRunning(system, running);

      // 4. Swap delay.
      if (swap && !system.equals(LOOP)) {
        result.swapMillis = measureSwap(system, reader, sender, registry, v2);
        drain(system, reader, running);
      }

      // 5. Throughput from backlogs: warm-up rounds, then the measured ones (median reported).
      if (throughputEvents > 0) {
        int warmupRounds = saturated ? 0 : throughputWarmupRounds;
        int measuredRounds = saturated ? 1 : throughputRounds;
        for (int round = 1; round <= warmupRounds + measuredRounds; round++) {
          boolean counted = round > warmupRounds;
          String label =
              counted
                  ? String.format(
                      Locale.ROOT, "round %d of %d", round - warmupRounds, measuredRounds)
                  : String.format(Locale.ROOT, "warm-up round %d of %d", round, warmupRounds);
          Throughput t =
              measureThroughput(
                  system,
                  label,
                  (counted ? "tput" : "tput-warmup") + round,
                  reader,
                  sender,
                  producer,
                  running);
          if (counted) {
            result.throughputRounds.add(t);
          }
          if (t.received < t.events) {
            break;
          }
        }
      }
      checkRunning(system, running);
    } finally {
      result.loadAfter = loadAverage();
      log("[%s] stopping; load average %.1f", system, result.loadAfter);
      running.close();
    }
    return result;
  }

  private Running startSystem(
      EmbeddedKafka kafka, String system, Topics topics, Path registryDir, Path work)
      throws Exception {
    if (system.equals(LOOP)) {
      PlainLoopServer loop =
          new PlainLoopServer(
              kafka.bootstrapServers(),
              topics.events,
              topics.predictions,
              spec,
              registryDir.toString(),
              TimeUnit.SECONDS.toMillis(600),
              0.5);
      loop.start();
      return new Running(loop, null);
    }
    List<String> args = new ArrayList<>(serveArgs(kafka, system, topics, registryDir, work));
    PipelineResult result = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), stderr);
    return new Running(null, result);
  }

  private List<String> serveArgs(
      EmbeddedKafka kafka, String system, Topics topics, Path registryDir, Path work)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + (system.equals(FLINK) ? "FlinkRunner" : "DirectRunner"),
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--eventsTopic=" + topics.events,
                "--outcomesTopic=" + topics.outcomes,
                "--predictionsTopic=" + topics.predictions,
                "--deadLettersTopic=" + topics.dead,
                "--modelEventsTopic=" + topics.models,
                "--startOffset=EARLIEST",
                "--consumerGroup=" + topics.prefix + "serve",
                "--registry=" + registryDir));
    if (modelPollMillis != null) {
      args.add("--modelPollMillis=" + modelPollMillis);
    }
    if (system.equals(FLINK)) {
      args.add("--flinkMaster=[local]");
      args.addAll(flinkArgs);
      if (flinkBufferTimeoutMs >= 0) {
        args.add("--flinkConfDir=" + flinkConfDir(work));
      }
    } else {
      args.addAll(directArgs);
    }
    return args;
  }

  /** A Flink configuration directory holding only the network buffer timeout. */
  private Path flinkConfDir(Path work) throws IOException {
    Path dir = Files.createDirectories(work.resolve("flink-conf"));
    Files.writeString(
        dir.resolve("flink-conf.yaml"),
        "execution.buffer-timeout.interval: " + flinkBufferTimeoutMs + " ms\n",
        StandardCharsets.UTF_8);
    return dir;
  }

  /** The runner settings a system runs with: ours plus serve's defaults for the rest. */
  private String describe(String system) {
    if (system.equals(LOOP)) {
      return "KafkaConsumer → features → DJL (one batch per poll) → KafkaProducer, one thread";
    }
    boolean flink = system.equals(FLINK);
    List<String> given = new ArrayList<>();
    given.add(flink ? "--runner=FlinkRunner" : "--runner=DirectRunner");
    given.addAll(flink ? flinkArgs : directArgs);
    List<String> shown =
        new ArrayList<>(List.of(Launcher.withRunnerDefaults(given.toArray(new String[0]))));
    shown.remove(0);
    if (flink) {
      shown.add(
          flinkBufferTimeoutMs >= 0
              ? "execution.buffer-timeout.interval=" + flinkBufferTimeoutMs + "ms"
              : "execution.buffer-timeout.interval=100ms (Flink's default)");
    }
    return String.join(" ", shown);
  }

  // ---------------------------------------------------------------------------------------------
  // Phases

  private Long measureSwap(
      String system, PredictionReader reader, Sender sender, ModelRegistry registry, String v2)
      throws Exception {
    Phase phase = reader.newPhase("swap", false);
    reader.watchVersion(v2);
    long[] promotedAt = {0};
    long promoteAfter = swapRate; // one second of traffic first
    long max = (long) swapRate * 30;
    log("[%s] swap: promoting a second version while %d events/s flow...", system, swapRate);
    sender.paced(
        phase,
        swapRate,
        max,
        0,
        () ->
            promotedAt[0] != 0
                && reader.versionSeenNanos != 0
                && System.nanoTime() - reader.versionSeenNanos > 1_000_000_000L,
        i -> {
          if (i == promoteAfter) {
            promotedAt[0] = System.nanoTime();
            try {
              registry.promote(v2);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
    if (reader.versionSeenNanos == 0) {
      log("[%s] swap: no prediction with %s within %d s", system, v2, max / swapRate);
      return null;
    }
    long millis = (reader.versionSeenNanos - promotedAt[0]) / 1_000_000;
    log("[%s] swap: first prediction with the new version %d ms after promote", system, millis);
    return millis;
  }

  private Throughput measureThroughput(
      String system,
      String round,
      String phaseName,
      PredictionReader reader,
      Sender sender,
      KafkaProducer<String, String> producer,
      Running running)
      throws InterruptedException {
    Phase phase = reader.newPhase(phaseName, false);
    log(
        "[%s] throughput, %s: producing a backlog of %,d events...",
        system, round, throughputEvents);
    reader.armWindow();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    for (int i = 0; i < throughputEvents; i++) {
      long now = System.nanoTime();
      sender.send(phase, phase.name + "-" + i, nextPayment(), System.currentTimeMillis(), now);
    }
    producer.flush();
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    waitFor(
        () -> phase.received.get() >= throughputEvents || failed(running),
        Duration.ofSeconds(throughputTimeoutSeconds));
    double[] window = reader.window();
    long cpu = processCpuNanos() - cpu0;
    long received = phase.received.get();
    Throughput t =
        new Throughput(
            throughputEvents,
            received,
            (long) window[1],
            window[2],
            cpu / 1e3 / Math.max(1, (long) window[1] + 1));
    log(
        "[%s] throughput, %s: %,d of %,d backlog predictions; %,d predictions in %.2f s from"
            + " the first to the last: %,.0f events/s, %.0f µs CPU per event (backlog produced"
            + " in %.2f s)",
        system,
        round,
        received,
        throughputEvents,
        t.counted,
        t.seconds,
        t.rate(),
        t.cpuMicrosPerEvent,
        produceSeconds);
    return t;
  }

  /** Waits until every event sent so far was predicted; false if it did not happen in time. */
  private boolean drain(String system, PredictionReader reader, Running running)
      throws InterruptedException {
    boolean done =
        waitFor(
            () -> reader.outstanding() == 0 || failed(running), Duration.ofSeconds(drainSeconds));
    checkRunning(system, running);
    return done;
  }

  private static boolean waitFor(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  private static boolean failed(Running running) {
    return running.failure() != null;
  }

  private static void checkRunning(String system, Running running) {
    Throwable t = running.failure();
    if (t != null) {
      throw new IllegalStateException(system + " failed: " + t, t);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Data and models

  /** The generated rider population, as the log and the report name it. */
  private String ridersLabel() {
    return riders > 0 ? String.format(Locale.ROOT, "%,d", riders) : "the generator's default";
  }

  private List<Payment> generate(int n) {
    List<Payment> out = new ArrayList<>(n);
    FraudGenerator.Builder builder = FraudGenerator.builder().seed(seed).events(n);
    if (riders > 0) {
      builder.riders(riders);
    }
    FraudGenerator generator = builder.build();
    try (FraudStream stream = generator.open()) {
      while (stream.hasNext() && out.size() < n) {
        out.add(stream.next().payment());
      }
    }
    return out;
  }

  private Payment nextPayment() {
    Payment p = payments.get(nextPayment % payments.size());
    nextPayment++;
    return p;
  }

  /** An untrained model of the production network size (default ModelConfig: 64, 32). */
  private String registerModel(ModelRegistry registry, long modelSeed) throws Exception {
    return UntrainedModels.register(
        registry, FeatureLayouts.of(spec), ModelConfig.builder().seed(modelSeed).build());
  }

  private Path resolveSpecFile() {
    return specFile != null ? specFile : Path.of(Domain.FRAUD.defaultSpec());
  }

  private static KafkaProducer<String, String> producer(String bootstrapServers) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            // 1 ms: at 5,000 events/s the broker gets a few records per request, not one each.
            ProducerConfig.LINGER_MS_CONFIG,
            1,
            ProducerConfig.ACKS_CONFIG,
            "1",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            false),
        new StringSerializer(),
        new StringSerializer());
  }

  /** The garbage collectors of this JVM, e.g. "G1 Young Generation, G1 Old Generation". */
  private static String collectors() {
    return String.join(
        ", ",
        java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(java.lang.management.GarbageCollectorMXBean::getName)
            .toList());
  }

  /** CPU time used by this JVM so far: the system under test, the broker and the harness. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The 1-minute load average of the machine (other processes included). */
  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
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

  // ---------------------------------------------------------------------------------------------
  // Report

  String table(List<SystemResult> results) {
    StringBuilder sb = new StringBuilder();
    sb.append("### Latency, produce → prediction consumed (ms)\n\n");
    sb.append(
        "| system | offered events/s | sent events/s | predictions | p50 | p95 | p99 | max |"
            + " until scored p50 / p99 |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (SystemResult s : results) {
      if (s.verify != null) {
        sb.append(s.verify.row(s.system, "1 at a time", "–"));
      }
      for (RateResult r : s.rates) {
        sb.append(
            r.skipped
                ? String.format(
                    Locale.ROOT,
                    "| %s | %,d | skipped (saturated) | | | | | | |%n",
                    s.system,
                    r.rate)
                : r.row(
                    s.system,
                    String.format(Locale.ROOT, r.saturated ? "%,d (saturated)" : "%,d", r.rate),
                    String.format(Locale.ROOT, "%,.0f", r.sentRate)));
      }
    }
    Double loopRate =
        results.stream()
            .filter(s -> s.system.equals(LOOP) && s.throughput() != null)
            .map(s -> s.throughput().rate())
            .findFirst()
            .orElse(null);
    Map<String, float[]> loopVectors =
        results.stream()
            .filter(s -> s.system.equals(LOOP))
            .map(s -> s.vectors)
            .findFirst()
            .orElse(null);
    sb.append("\n### Throughput, start-up, swap delay\n\n");
    sb.append(
        "| system | start-up s | max sustained events/s (median round) | vs loop |"
            + " CPU µs/event at max |"
            + " swap delay ms | vectors equal to loop's |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---|\n");
    for (SystemResult s : results) {
      String tput = "–";
      String ratio = "–";
      String cpu = "–";
      Throughput median = s.throughput();
      if (median != null) {
        tput = String.format(Locale.ROOT, "%,.0f", median.rate());
        if (s.throughputRounds.size() > 1) {
          tput +=
              s.throughputRounds.stream()
                  .map(t -> String.format(Locale.ROOT, "%,.0f", t.rate()))
                  .collect(Collectors.joining(", ", " (rounds: ", ")"));
        }
        if (median.received < median.events) {
          tput +=
              String.format(
                  Locale.ROOT,
                  " (%,d of the %,d-event backlog answered in %d s)",
                  median.received,
                  median.events,
                  throughputTimeoutSeconds);
        }
        cpu = String.format(Locale.ROOT, "%.0f", median.cpuMicrosPerEvent);
        if (loopRate != null && loopRate > 0) {
          ratio = String.format(Locale.ROOT, "%.0f %%", 100 * median.rate() / loopRate);
        }
      }
      String vectors = "–";
      if (loopVectors != null && !s.system.equals(LOOP) && s.vectors != null) {
        int same = 0;
        int compared = 0;
        for (Map.Entry<String, float[]> e : s.vectors.entrySet()) {
          float[] l = loopVectors.get(e.getKey());
          if (l != null) {
            compared++;
            same += Arrays.equals(l, e.getValue()) ? 1 : 0;
          }
        }
        vectors = same + " of " + compared;
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %s | %s | %s | %s | %s |%n",
              s.system,
              s.startupSeconds,
              tput,
              ratio,
              cpu,
              s.swapMillis == null ? "–" : String.format(Locale.ROOT, "%,d", s.swapMillis),
              vectors));
    }
    sb.append("\n### Settings\n\n");
    for (SystemResult s : results) {
      sb.append("- ")
          .append(s.system)
          .append(": ")
          .append(s.settings)
          .append(
              String.format(
                  Locale.ROOT,
                  " (1-min load average %.1f at start, %.1f at end)",
                  s.loadBefore,
                  s.loadAfter))
          .append('\n');
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "- %d s per rate, %d s warm-up at %,d/s, %,d-event backlogs (%d warm-up, %d measured;"
                + " one measured for a system saturated at a paced rate), %s riders, %d partitions,"
                + " %d processors, max heap %,d MiB, GC: %s%n",
            seconds,
            warmupSeconds,
            warmupRate,
            throughputEvents,
            throughputWarmupRounds,
            throughputRounds,
            ridersLabel(),
            PARTITIONS,
            Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() >> 20,
            collectors()));
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** The topics of one system's run. */
  private record Topics(
      String prefix,
      String events,
      String outcomes,
      String predictions,
      String dead,
      String models) {
    Topics(String prefix) {
      this(
          prefix,
          prefix + "events",
          prefix + "outcomes",
          prefix + "predictions",
          prefix + "dead-letters",
          prefix + "model-events");
    }

    String[] all() {
      return new String[] {events, outcomes, predictions, dead, models};
    }
  }

  /**
   * A started system: the loop or a serve pipeline. A pipeline's state is asked for at most every
   * {@value #STATE_CHECK_MILLIS} ms: on Flink each question is an RPC to the job master that
   * deserialises the job's whole configuration, and the waits poll every few milliseconds (asked
   * every time, it took about 5% of the JVM's CPU, charged to serve).
   */
  private static final class Running implements AutoCloseable {
    private static final long STATE_CHECK_MILLIS = 500;
    private final PlainLoopServer loop;
    private final PipelineResult serve;
    private long checkedAt = Long.MIN_VALUE;
    private Throwable failure;

    Running(PlainLoopServer loop, PipelineResult serve) {
      this.loop = loop;
      this.serve = serve;
    }

    Throwable failure() {
      if (loop != null) {
        return loop.failure();
      }
      long now = System.currentTimeMillis();
      if (failure == null && now - checkedAt >= STATE_CHECK_MILLIS) {
        checkedAt = now;
        PipelineResult.State state = serve.getState();
        if (state == PipelineResult.State.FAILED) {
          failure = new IllegalStateException("pipeline state " + state);
        }
      }
      return failure;
    }

    @Override
    public void close() {
      if (loop != null) {
        loop.close();
        return;
      }
      try {
        serve.cancel();
      } catch (IOException | RuntimeException e) {
        // A pipeline that already failed cannot be cancelled; nothing more to stop.
      }
    }
  }

  /** Sends payments as events with a given id and event time, noting when each was due. */
  private final class Sender {
    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final PredictionReader reader;

    Sender(KafkaProducer<String, String> producer, String topic, PredictionReader reader) {
      this.producer = producer;
      this.topic = topic;
      this.reader = reader;
    }

    void send(Phase phase, String id, Payment p, long eventTimeMillis, long dueNanos) {
      Payment event =
          new Payment(
              id,
              Instant.ofEpochMilli(eventTimeMillis),
              p.riderId(),
              p.cardId(),
              p.tripId(),
              p.city(),
              p.deviceId(),
              p.amount());
      reader.expect(phase, id, dueNanos, System.currentTimeMillis());
      producer.send(
          new ProducerRecord<>(topic, null, eventTimeMillis, p.cardId(), FraudJsonl.toJson(event)));
    }

    /**
     * Sends {@code total} events at {@code rate}/s (event time = wall clock at sending), unless
     * {@code stop} holds first; {@code beforeSend} sees each index. With {@code maxOutstanding > 0}
     * it pauses (and shifts the schedule) while that many events are unanswered. Latency is
     * measured from when each event was due, so a sender falling behind still counts the wait.
     * Returns the rate achieved.
     */
    double paced(
        Phase phase,
        int rate,
        long total,
        int maxOutstanding,
        BooleanSupplier stop,
        LongConsumer beforeSend) {
      double periodNanos = 1e9 / rate;
      long begin = System.nanoTime() + 1_000_000;
      long start = begin;
      long i = 0;
      for (; i < total; i++) {
        if (maxOutstanding > 0 && reader.outstanding() >= maxOutstanding) {
          long stalled = System.nanoTime();
          while (reader.outstanding() >= maxOutstanding) {
            LockSupport.parkNanos(1_000_000);
          }
          start += System.nanoTime() - stalled;
        }
        long due = start + (long) (i * periodNanos);
        long wait;
        while ((wait = due - System.nanoTime()) > 50_000) {
          LockSupport.parkNanos(wait);
        }
        if (beforeSend != null) {
          beforeSend.accept(i);
        }
        send(phase, phase.name + "-" + i, nextPayment(), System.currentTimeMillis(), due);
        if (stop.getAsBoolean()) {
          i++;
          break;
        }
      }
      producer.flush();
      double elapsed = (System.nanoTime() - begin) / 1e9;
      return i / elapsed;
    }
  }

  /** Reads the predictions topic on its own thread and attributes each to its phase. */
  private static final class PredictionReader implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, Due> pending = new ConcurrentHashMap<>();
    private final AtomicLong unexpected = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String watchedVersion;
    volatile long versionSeenNanos;
    private long totalReceived;
    private long lastNanos;
    private boolean windowArmed;
    private long windowStartNanos;
    private long windowStartCount;

    private record Due(Phase phase, long nanos, long sentMillis) {}

    PredictionReader(String bootstrapServers, String topic) {
      consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrapServers,
                  ConsumerConfig.GROUP_ID_CONFIG,
                  "freshet-bench-" + UUID.randomUUID(),
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                  "earliest",
                  ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                  "false"),
              new StringDeserializer(),
              new StringDeserializer());
      consumer.subscribe(List.of(topic));
      thread = new Thread(this::loop, "bench-prediction-reader");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    Phase newPhase(String name, boolean keepVectors) {
      return new Phase(name, keepVectors);
    }

    void expect(Phase phase, String id, long dueNanos, long sentMillis) {
      phase.sent.incrementAndGet();
      pending.put(id, new Due(phase, dueNanos, sentMillis));
    }

    long outstanding() {
      return pending.size();
    }

    /** Notes when the next prediction (of any phase) with version {@code version} arrives. */
    void watchVersion(String version) {
      versionSeenNanos = 0;
      watchedVersion = version;
    }

    /** Starts a throughput window at the next prediction, whichever event it is for. */
    synchronized void armWindow() {
      windowArmed = true;
      windowStartNanos = 0;
    }

    /**
     * Predictions per second from the first prediction after {@link #armWindow} to the latest one,
     * counting every prediction in between (the first excluded): {@code [rate, count, seconds]}.
     */
    synchronized double[] window() {
      if (windowStartNanos == 0 || lastNanos <= windowStartNanos) {
        return new double[] {0, 0, 0};
      }
      double seconds = (lastNanos - windowStartNanos) / 1e9;
      long count = totalReceived - windowStartCount;
      return new double[] {count / seconds, count, seconds};
    }

    private void loop() {
      try {
        while (running) {
          var records = consumer.poll(Duration.ofMillis(100));
          long now = System.nanoTime();
          for (ConsumerRecord<String, String> r : records) {
            Due due = r.key() == null ? null : pending.remove(r.key());
            if (due == null) {
              unexpected.incrementAndGet();
              continue;
            }
            due.phase.record(r, now, due.nanos, due.sentMillis);
            String watched = watchedVersion;
            if (watched != null
                && versionSeenNanos == 0
                && r.value().contains("\"model_version\":\"" + watched + "\"")) {
              versionSeenNanos = now;
            }
            synchronized (this) {
              totalReceived++;
              lastNanos = now;
              if (windowArmed && windowStartNanos == 0) {
                windowStartNanos = now;
                windowStartCount = totalReceived;
              }
            }
          }
        }
      } catch (WakeupException e) {
        // closing
      } finally {
        consumer.close();
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(10_000);
    }
  }

  /** One phase's predictions: latencies, first and last arrival, vectors or versions if asked. */
  private static final class Phase {
    final String name;
    final boolean keepVectors;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);

    /** Sent (wall clock) → scored ({@code scored_at_ms} of the prediction), in ms. */
    final Histogram untilScored = new Histogram(TimeUnit.MINUTES.toMillis(10), 2);

    final Map<String, float[]> vectors = new HashMap<>();
    volatile long firstNanos;
    volatile long lastNanos;

    Phase(String name, boolean keepVectors) {
      this.name = name;
      this.keepVectors = keepVectors;
    }

    /** Called on the reader thread. */
    void record(ConsumerRecord<String, String> r, long now, long dueNanos, long sentMillis) {
      long scoredAt = scoredAtMillis(r.value());
      synchronized (this) {
        histogram.recordValue(
            Math.min(histogram.getHighestTrackableValue(), Math.max(0, (now - dueNanos) / 1000)));
        if (scoredAt > 0) {
          untilScored.recordValue(
              Math.min(untilScored.getHighestTrackableValue(), Math.max(0, scoredAt - sentMillis)));
        }
        if (keepVectors) {
          vectors.put(r.key(), Prediction.parse(r.value()).features());
        }
      }
      if (firstNanos == 0) {
        firstNanos = now;
      }
      lastNanos = now;
      received.incrementAndGet();
    }

    /**
     * The prediction's {@code scored_at_ms}, read without parsing the whole record; 0 if absent.
     */
    private static long scoredAtMillis(String json) {
      String field = "\"scored_at_ms\":";
      int at = json.lastIndexOf(field);
      if (at < 0) {
        return 0;
      }
      long v = 0;
      for (int i = at + field.length(); i < json.length(); i++) {
        char c = json.charAt(i);
        if (c < '0' || c > '9') {
          break;
        }
        v = v * 10 + (c - '0');
      }
      return v;
    }

    synchronized RateResult summary(int rate, double sentRate) {
      return new RateResult(
          rate,
          false,
          sentRate,
          sent.get(),
          received.get(),
          histogram.getValueAtPercentile(50) / 1000.0,
          histogram.getValueAtPercentile(95) / 1000.0,
          histogram.getValueAtPercentile(99) / 1000.0,
          histogram.getMaxValue() / 1000.0,
          untilScored.getValueAtPercentile(50),
          untilScored.getValueAtPercentile(99),
          histogram.getTotalCount(),
          false);
    }
  }

  private record RateResult(
      int rate,
      boolean skipped,
      double sentRate,
      long sent,
      long received,
      double p50,
      double p95,
      double p99,
      double max,
      long scoredP50,
      long scoredP99,
      long count,
      boolean saturated) {
    static RateResult skipped(int rate) {
      return new RateResult(rate, true, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true);
    }

    RateResult asSaturated() {
      return new RateResult(
          rate, skipped, sentRate, sent, received, p50, p95, p99, max, scoredP50, scoredP99, count,
          true);
    }

    String line(String label) {
      return String.format(
          Locale.ROOT,
          "%s: %,d of %,d predictions%s, latency ms p50 %.1f p95 %.1f p99 %.1f max %.1f;"
              + " until scored p50 %d p99 %d",
          label,
          received,
          sent,
          sentRate > 0 ? String.format(Locale.ROOT, " (sent at %,.0f/s)", sentRate) : "",
          p50,
          p95,
          p99,
          max,
          scoredP50,
          scoredP99);
    }

    String row(String system, String offered, String sentText) {
      String predictions =
          received == sent
              ? String.format(Locale.ROOT, "%,d", received)
              : String.format(Locale.ROOT, "%,d of %,d", received, sent);
      return String.format(
          Locale.ROOT,
          "| %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %d / %d |%n",
          system,
          offered,
          sentText,
          predictions,
          p50,
          p95,
          p99,
          max,
          scoredP50,
          scoredP99);
    }
  }

  /**
   * A throughput measurement: {@code counted} predictions (of any phase) consumed in {@code
   * seconds}, from the first prediction after the backlog started to the last; {@code received} of
   * the backlog's own {@code events}.
   */
  private record Throughput(
      int events, long received, long counted, double seconds, double cpuMicrosPerEvent) {
    double rate() {
      return seconds <= 0 ? 0 : counted / seconds;
    }
  }

  /** Everything measured for one system. */
  private static final class SystemResult {
    final String system;
    final String settings;
    double startupSeconds;
    RateResult verify;
    Map<String, float[]> vectors;
    final List<RateResult> rates = new ArrayList<>();
    Long swapMillis;
    final List<Throughput> throughputRounds = new ArrayList<>();
    double loadBefore;
    double loadAfter;

    SystemResult(String system, String settings) {
      this.system = system;
      this.settings = settings;
    }

    /** The measured round with the median rate (the lower middle one of an even count). */
    Throughput throughput() {
      if (throughputRounds.isEmpty()) {
        return null;
      }
      List<Throughput> sorted = new ArrayList<>(throughputRounds);
      sorted.sort(Comparator.comparingDouble(Throughput::rate));
      return sorted.get((sorted.size() - 1) / 2);
    }
  }
}
