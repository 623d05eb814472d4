package dev.freshet.pipelines.bench.serve;

import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.bench.ProcessCpu;
import dev.freshet.pipelines.cli.cluster.ClusterProcess;
import dev.freshet.pipelines.cli.cluster.LocalCluster;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scale-out of {@code freshet serve} on the local cluster ({@link LocalCluster}: three KRaft
 * brokers, a Flink 1.19 JobManager and two TaskManagers of {@code --slots} slots, each its own
 * JVM): serve is submitted at each of {@code --parallelisms} in turn, on fresh topics of {@code
 * --partitions} partitions, and works off a backlog.
 *
 * <p>Per run: a warm-up backlog of {@code --warmupEvents} (it also waits for the job to start; not
 * counted), a pause of {@code --metricsWaitSeconds} with the job idle (its TaskManagers' idle CPU
 * is measured then, and Flink's REST metrics become fresh), then the measured backlog of {@code
 * --events} produced as fast as possible:
 *
 * <ul>
 *   <li><b>throughput</b>, two rates (as {@link ServeBenchmark}'s backlog phase, see {@link
 *       Throughput}): predictions consumed from the first after the backlog started to the last,
 *       divided by that time; and the backlog's events over the time from its start to its last
 *       prediction ("worked off"), which also counts the wait for the first prediction;
 *   <li><b>CPU per event</b>: utime + stime of each cluster process ({@code /proc/<pid>/stat}) from
 *       the backlog's start to its last prediction, divided by the events: the TaskManagers (the
 *       job), and for context the brokers, the JobManager and this harness (producer and consumer);
 *   <li><b>per subtask</b>: which TaskManager each subtask ran on, and from Flink's REST API the
 *       deltas over the backlog of {@code numRecordsIn}/{@code numRecordsOut} (per event) and
 *       {@code accumulateBusyTimeMs} (as a share of the backlog's wall time, and per record in):
 *       the busiest subtask is the bottleneck.
 * </ul>
 *
 * The job is cancelled after each run. Checkpointing is off unless {@code --checkpointingInterval}
 * is given (then serve reads Kafka as a splittable DoFn, which costs throughput). See {@code
 * docs/benchmarks/serve.md}, "Scale-out on the local cluster".
 */
@Command(
    name = "cluster-scale-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    sortOptions = false,
    description = {
      "Starts the local cluster (3 brokers, a Flink JobManager, 2 TaskManagers), runs"
          + " `freshet serve` on it at each parallelism in turn and measures, while it works off a"
          + " backlog: predictions per second, CPU per event of the TaskManager JVMs (from"
          + " /proc/<pid>/stat), where each subtask ran, and each subtask's records and busy time"
          + " (Flink's REST API). Prints Markdown tables."
    })
public final class ClusterScaleBenchmark implements Callable<Integer> {
  /** The local cluster's TaskManagers. */
  private static final int TASK_MANAGERS = 2;

  @Option(
      names = "--parallelisms",
      split = ",",
      description =
          "serve's --parallelism per run, in order, comma-separated; repeat to measure the"
              + " noise, e.g. 1,2,2,1 (default: ${DEFAULT-VALUE}).")
  List<Integer> parallelisms = new ArrayList<>(List.of(1, 2));

  @Option(
      names = "--slots",
      description =
          "Task slots per TaskManager. With 1, parallelism 2 runs in both TaskManagers; with 2"
              + " (the local cluster's default) Flink filled one TaskManager's two slots before"
              + " the other's (default: ${DEFAULT-VALUE}).")
  int slots = 1;

  @Option(
      names = "--events",
      description = "The measured backlog per run (default: ${DEFAULT-VALUE}).")
  int events = 30_000;

  @Option(
      names = "--warmupEvents",
      description =
          "A backlog worked off first in each run and not counted; it also waits for the job to"
              + " start (default: ${DEFAULT-VALUE}).")
  int warmupEvents = 10_000;

  @Option(
      names = "--partitions",
      description =
          "Partitions of each run's topics; at least the largest parallelism, so that every"
              + " source subtask reads (default: ${DEFAULT-VALUE}).")
  int partitions = 4;

  @Option(
      names = "--checkpointingInterval",
      description =
          "serve's --checkpointingInterval in ms; 0: checkpointing off, Beam's default"
              + " (default: ${DEFAULT-VALUE}).")
  long checkpointingInterval = 0;

  @Option(
      names = "--serveArgs",
      split = ",",
      description =
          "Further serve arguments, comma-separated (default: ${DEFAULT-VALUE}, as the serve"
              + " benchmark).")
  List<String> serveArgs = new ArrayList<>(List.of("--fasterCopy=true"));

  @Option(
      names = "--timeoutSeconds",
      description =
          "Longest wait for a backlog's predictions (the warm-up's includes the job's start)"
              + " (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds = 180;

  @Option(
      names = "--metricsWaitSeconds",
      description =
          "Idle pause before and after the measured backlog: the JobManager fetches task metrics"
              + " at most every 10 s, so shorter pauses give stale per-subtask figures (default:"
              + " ${DEFAULT-VALUE}).")
  int metricsWaitSeconds = 11;

  @Option(
      names = "--riders",
      description =
          "Riders in the generated stream; 0: the generator's own population (default:"
              + " ${DEFAULT-VALUE}).")
  int riders = 0;

  @Option(names = "--seed", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(
      names = "--clusterDir",
      description =
          "The cluster's directory (logs, Kafka data); default: a new temporary one, removed at"
              + " the end.")
  Path clusterDir;

  @Option(
      names = "--specFile",
      description = "The fraud spec (default: testdata/fraud/fraud.yaml, or ../testdata/...).")
  Path specFile;

  @Option(names = "--report", description = "Markdown report file (default: ${DEFAULT-VALUE}).")
  Path report = Paths.get("target", "bench-cluster-scale.md");

  @CommandLine.Spec CommandLine.Model.CommandSpec commandSpec;

  PrintStream stdout = System.out;
  PrintStream stderr = System.err;

  /** One subtask's figures over the measured backlog. */
  record SubtaskFigures(
      String vertex,
      int subtask,
      String taskManager,
      double recordsIn,
      double recordsOut,
      double busyMillis,
      double backPressuredMillis) {}

  /** One run's figures. */
  record RunResult(
      int run,
      int parallelism,
      String jobId,
      TreeSet<String> taskManagers,
      Throughput throughput,
      double produceSeconds,
      Map<String, Long> cpuNanos,
      long harnessCpuNanos,
      Map<String, Double> idleCores,
      List<SubtaskFigures> subtasks,
      double loadBefore,
      double loadAfter) {}

  /** Runs the command line; exits with the status only when it is not zero. */
  public static void main(String[] args) {
    defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    defaultProperty("org.slf4j.simpleLogger.log.org.apache.flink", "error");
    defaultProperty(
        "org.slf4j.simpleLogger.log.org.apache.beam.sdk.metrics.MetricsEnvironment", "off");
    defaultProperty("ai.djl.offline", "true");
    System.exit(new CommandLine(new ClusterScaleBenchmark()).execute(args));
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    String uptimeStart = uptime();
    log("start %s; uptime: %s", Instant.now(), uptimeStart);
    FeatureSpec spec =
        FeatureSpecs.load(
            (specFile != null ? specFile : Path.of(Domain.FRAUD.defaultSpec())).toString());
    Payments payments = Payments.generate(seed, riders, warmupEvents + events);
    Path work = Files.createTempDirectory("freshet-cluster-scale-");
    Path dir = clusterDir != null ? clusterDir : work.resolve("cluster");
    ModelRegistry registry = ModelRegistry.at(work.resolve("registry").toString());
    // An untrained model of the production network size (default ModelConfig: 64, 32).
    String version =
        UntrainedModels.register(
            registry, FeatureLayouts.of(spec), ModelConfig.builder().seed(1).build());
    registry.promote(version);

    List<RunResult> results = new ArrayList<>();
    LocalCluster cluster =
        LocalCluster.start(LocalCluster.Settings.in(dir).withSlotsPerTaskManager(slots), stderr);
    try {
      FlinkRest rest = new FlinkRest(cluster.restAddress());
      int run = 0;
      for (int p : parallelisms) {
        results.add(runOnce(cluster, rest, ++run, p, payments, work.resolve("registry")));
      }
    } finally {
      cluster.close();
      if (clusterDir == null) {
        deleteTree(work);
      } else {
        deleteTree(work.resolve("registry"));
        Files.deleteIfExists(work);
      }
    }
    String uptimeEnd = uptime();
    log("end %s; uptime: %s", Instant.now(), uptimeEnd);
    String table = report(results, uptimeStart, uptimeEnd);
    stdout.println();
    stdout.print(table);
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Files.writeString(report, table, StandardCharsets.UTF_8);
    log("wrote %s", report.toAbsolutePath());
    return 0;
  }

  private void validate() {
    CommandLine cmd = commandSpec.commandLine();
    if (parallelisms.isEmpty()) {
      throw new CommandLine.ParameterException(cmd, "--parallelisms: give at least one");
    }
    requirePositive(cmd, "--slots", slots);
    for (int p : parallelisms) {
      if (p < 1 || p > TASK_MANAGERS * slots) {
        throw new CommandLine.ParameterException(
            cmd,
            "--parallelisms: each must be 1 to "
                + TASK_MANAGERS * slots
                + " (the cluster's "
                + TASK_MANAGERS
                + " TaskManagers x --slots="
                + slots
                + "), got "
                + p);
      }
    }
    requirePositive(cmd, "--events", events);
    requirePositive(cmd, "--warmupEvents", warmupEvents);
    requirePositive(cmd, "--partitions", partitions);
    requirePositive(cmd, "--timeoutSeconds", timeoutSeconds);
    if (metricsWaitSeconds < 0) {
      throw new CommandLine.ParameterException(
          cmd, "--metricsWaitSeconds must be 0 or more, got " + metricsWaitSeconds);
    }
    if (checkpointingInterval < 0) {
      throw new CommandLine.ParameterException(
          cmd,
          "--checkpointingInterval must be 0 (off) or a positive number of ms, got "
              + checkpointingInterval);
    }
    if (riders < 0) {
      throw new CommandLine.ParameterException(cmd, "--riders must be 0 or more, got " + riders);
    }
  }

  private static void requirePositive(CommandLine cmd, String option, long value) {
    if (value < 1) {
      throw new CommandLine.ParameterException(cmd, option + " must be 1 or more, got " + value);
    }
  }

  /** One job at parallelism {@code p} on fresh topics: warm-up, idle pause, measured backlog. */
  private RunResult runOnce(
      LocalCluster cluster, FlinkRest rest, int run, int p, Payments payments, Path registry)
      throws Exception {
    payments.rewind();
    String prefix = "scale" + run + "-p" + p + "-";
    Topics topics = new Topics(prefix);
    KafkaClients kafka = KafkaClients.plain(cluster.bootstrapServers());
    KafkaTopics.create(kafka, partitions, List.of(topics.all()), Map.of());
    String jobName = "freshet-scale-" + run + "-p" + p;
    // The cluster's own submit options (its brokers included: no more Kafka options needed).
    List<String> args = new ArrayList<>(cluster.jobOptions());
    args.addAll(
        List.of(
            "--parallelism=" + p,
            "--jobName=" + jobName,
            "--startOffset=EARLIEST",
            "--registry=" + registry.toAbsolutePath()));
    args.addAll(topics.serveOptions());
    if (checkpointingInterval > 0) {
      args.add("--checkpointingInterval=" + checkpointingInterval);
    }
    args.addAll(serveArgs);
    double loadBefore = loadAverage();
    log("[run %d, p=%d] submitting %s; load average %.1f", run, p, jobName, loadBefore);
    PipelineResult serving = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), stderr);
    try (KafkaProducer<String, String> producer = Sender.producer(kafka);
        PredictionReader reader = new PredictionReader(kafka, topics.predictions())) {
      reader.start();
      Sender sender = new Sender(producer, topics.events(), reader, payments);

      // Warm-up backlog; it also waits for the job to start.
      Phase warm = new Phase("warmup", false);
      long w0 = System.nanoTime();
      sender.backlog(warm, warmupEvents);
      if (!waitFor(() -> warm.received.get() >= warmupEvents, timeoutSeconds)) {
        throw new IllegalStateException(
            String.format(
                Locale.ROOT,
                "run %d (p=%d): %,d of %,d warm-up predictions in %d s (--timeoutSeconds);"
                    + " jobs: %s; logs in %s",
                run,
                p,
                warm.received.get(),
                warmupEvents,
                timeoutSeconds,
                cluster.jobs(),
                cluster.dir().resolve("logs")));
      }
      log(
          "[run %d, p=%d] warm-up: %,d predictions, %.1f s after the first event was sent",
          run, p, warmupEvents, (System.nanoTime() - w0) / 1e9);
      String jobId =
          cluster
              .runningJob(jobName)
              .orElseThrow(() -> new IllegalStateException("job " + jobName + " is not running"));
      List<FlinkRest.Vertex> vertices = rest.vertices(jobId);
      Map<String, Map<Integer, String>> placement = new LinkedHashMap<>();
      TreeSet<String> taskManagers = new TreeSet<>();
      for (FlinkRest.Vertex v : vertices) {
        Map<Integer, String> tms = rest.subtaskTaskManagers(jobId, v.id());
        placement.put(v.id(), tms);
        taskManagers.addAll(tms.values());
      }
      log("[run %d, p=%d] job %s, subtasks on %s", run, p, jobId, taskManagers);

      // Idle pause: the TaskManagers' idle CPU, and fresh metrics before the backlog.
      Map<String, Long> idle0 = cpuNanos(cluster);
      long i0 = System.nanoTime();
      Thread.sleep(metricsWaitSeconds * 1000L);
      rest.refreshMetrics(jobId, vertices.get(0), Duration.ofSeconds(2));
      Map<String, Map<Integer, Map<String, Double>>> before = metrics(rest, jobId, vertices);
      Map<String, Long> idle1 = cpuNanos(cluster);
      double idleSeconds = (System.nanoTime() - i0) / 1e9;
      Map<String, Double> idleCores = new LinkedHashMap<>();
      idle1.forEach(
          (name, n) -> idleCores.put(name, (n - idle0.getOrDefault(name, n)) / 1e9 / idleSeconds));

      // The measured backlog.
      Phase phase = new Phase("measured", false);
      reader.armWindow();
      Map<String, Long> cpu0 = cpuNanos(cluster);
      long harness0 = ProcessCpu.nanos();
      long t0 = System.nanoTime();
      sender.backlog(phase, events);
      double produceSeconds = (System.nanoTime() - t0) / 1e9;
      boolean complete = waitFor(() -> phase.received.get() >= events, timeoutSeconds);
      Map<String, Long> cpu1 = cpuNanos(cluster);
      long harnessCpu = ProcessCpu.nanos() - harness0;
      double[] window = reader.window();
      long received = phase.received.get();
      Map<String, Long> cpu = new LinkedHashMap<>();
      cpu1.forEach((name, n) -> cpu.put(name, n - cpu0.getOrDefault(name, n)));
      long tmCpu = sumOf(cpu, "taskmanager");
      Throughput t =
          new Throughput(
              events,
              received,
              (long) window[1],
              window[2],
              Throughput.secondsToLast(phase, t0),
              tmCpu / 1e3 / Math.max(1, received));
      log(
          "[run %d, p=%d] %,d of %,d predictions%s; %,.0f events/s (%,d in %.2f s); worked off"
              + " in %.2f s from the start: %,.0f events/s; TaskManagers %.0f µs CPU per event;"
              + " backlog produced in %.2f s",
          run,
          p,
          received,
          events,
          complete ? "" : " (timed out)",
          t.rate(),
          t.counted(),
          t.seconds(),
          t.workedOffSeconds(),
          t.workedOffRate(),
          t.cpuMicrosPerEvent(),
          produceSeconds);

      Thread.sleep(metricsWaitSeconds * 1000L);
      rest.refreshMetrics(jobId, vertices.get(0), Duration.ofSeconds(2));
      Map<String, Map<Integer, Map<String, Double>>> after = metrics(rest, jobId, vertices);
      List<SubtaskFigures> subtasks = new ArrayList<>();
      for (FlinkRest.Vertex v : vertices) {
        for (int i = 0; i < v.parallelism(); i++) {
          Map<String, Double> b = before.get(v.id()).get(i);
          Map<String, Double> a = after.get(v.id()).get(i);
          subtasks.add(
              new SubtaskFigures(
                  v.shortName(),
                  i,
                  placement.get(v.id()).getOrDefault(i, "?"),
                  delta(a, b, "numRecordsIn"),
                  delta(a, b, "numRecordsOut"),
                  delta(a, b, "accumulateBusyTimeMs"),
                  delta(a, b, "accumulateBackPressuredTimeMs")));
        }
      }
      double loadAfter = loadAverage();
      return new RunResult(
          run,
          p,
          jobId,
          taskManagers,
          t,
          produceSeconds,
          cpu,
          harnessCpu,
          idleCores,
          subtasks,
          loadBefore,
          loadAfter);
    } finally {
      try {
        serving.cancel();
      } catch (IOException | RuntimeException e) {
        log("[run %d, p=%d] cancel: %s", run, p, e);
      }
      if (!waitFor(() -> cluster.runningJob(jobName).isEmpty(), 60)) {
        log("[run %d, p=%d] job %s still running 60 s after cancel", run, p, jobName);
      }
    }
  }

  private static Map<String, Map<Integer, Map<String, Double>>> metrics(
      FlinkRest rest, String jobId, List<FlinkRest.Vertex> vertices)
      throws IOException, InterruptedException {
    Map<String, Map<Integer, Map<String, Double>>> all = new LinkedHashMap<>();
    for (FlinkRest.Vertex v : vertices) {
      Map<Integer, Map<String, Double>> perSubtask = new LinkedHashMap<>();
      for (int i = 0; i < v.parallelism(); i++) {
        perSubtask.put(i, rest.subtaskMetrics(jobId, v.id(), i));
      }
      all.put(v.id(), perSubtask);
    }
    return all;
  }

  private static double delta(Map<String, Double> after, Map<String, Double> before, String name) {
    return after.getOrDefault(name, Double.NaN) - before.getOrDefault(name, Double.NaN);
  }

  /** CPU nanoseconds used so far by each cluster process, by name (a process gone is left out). */
  private static Map<String, Long> cpuNanos(LocalCluster cluster) {
    Map<String, Long> cpu = new LinkedHashMap<>();
    for (ClusterProcess p : cluster.processes()) {
      ProcessCpu.nanosOf(p.pid()).ifPresent(n -> cpu.put(p.name(), n));
    }
    return cpu;
  }

  private static long sumOf(Map<String, Long> cpu, String prefix) {
    return cpu.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** The Markdown report: one row per run, then each run's subtasks. */
  String report(List<RunResult> results, String uptimeStart, String uptimeEnd) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| run | parallelism | TaskManagers used | predictions/s (first → last) | worked off/s"
            + " (start → last) | TaskManagers µs CPU/event (per TM) | brokers µs/event |"
            + " JobManager µs/event | harness µs/event | TMs idle (cores) | load 1 min before →"
            + " after |\n");
    sb.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunResult r : results) {
      long n = Math.max(1, r.throughput().received());
      StringBuilder perTm = new StringBuilder();
      r.cpuNanos().entrySet().stream()
          .filter(e -> e.getKey().startsWith("taskmanager"))
          .forEach(
              e ->
                  perTm
                      .append(perTm.length() == 0 ? "" : " + ")
                      .append(String.format(Locale.ROOT, "%.0f", e.getValue() / 1e3 / n)));
      double idleTm =
          r.idleCores().entrySet().stream()
              .filter(e -> e.getKey().startsWith("taskmanager"))
              .mapToDouble(Map.Entry::getValue)
              .sum();
      sb.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %s | %,.0f%s | %,.0f | %.0f (%s) | %.0f | %.0f | %.0f | %.2f | %.1f → %.1f"
                  + " |%n",
              r.run(),
              r.parallelism(),
              String.join(", ", r.taskManagers()),
              r.throughput().rate(),
              r.throughput().received() < r.throughput().events()
                  ? String.format(
                      Locale.ROOT,
                      " (%,d of %,d)",
                      r.throughput().received(),
                      r.throughput().events())
                  : "",
              r.throughput().workedOffRate(),
              r.throughput().cpuMicrosPerEvent(),
              perTm,
              sumOf(r.cpuNanos(), "broker") / 1e3 / n,
              sumOf(r.cpuNanos(), "jobmanager") / 1e3 / n,
              r.harnessCpuNanos() / 1e3 / n,
              idleTm,
              r.loadBefore(),
              r.loadAfter()));
    }
    for (RunResult r : results) {
      double workSeconds = r.throughput().workedOffSeconds();
      double workMillis = workSeconds * 1000;
      int n = Math.max(1, (int) r.throughput().received());
      sb.append(
          String.format(
              Locale.ROOT,
              "%nRun %d, parallelism %d (job %s): %,d events worked off in %.1f s (backlog"
                  + " produced in %.1f s); busy = accumulateBusyTimeMs over those %.1f s.%n%n",
              r.run(),
              r.parallelism(),
              r.jobId(),
              r.throughput().received(),
              workSeconds,
              r.produceSeconds(),
              workSeconds));
      sb.append(
          "| vertex (chained operators) | subtask | TaskManager | records in/event | records"
              + " out/event | busy % | µs busy per record in | back-pressured % |\n");
      sb.append("|---|---:|---|---:|---:|---:|---:|---:|\n");
      for (SubtaskFigures s : r.subtasks()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %s | %s | %s | %s | %s | %s |%n",
                s.vertex(),
                s.subtask(),
                s.taskManager(),
                figure(s.recordsIn() / n, "%.2f"),
                figure(s.recordsOut() / n, "%.2f"),
                figure(100 * s.busyMillis() / workMillis, "%.0f"),
                s.recordsIn() > 0 ? figure(1000 * s.busyMillis() / s.recordsIn(), "%.1f") : "–",
                figure(100 * s.backPressuredMillis() / workMillis, "%.0f")));
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%n%,d-event backlogs after a %,d-event warm-up per run, %d partitions, %d"
                + " TaskManagers x %d slot(s), checkpointing %s, serve %s; %d processors; uptime at"
                + " start: %s; at end: %s%n",
            events,
            warmupEvents,
            partitions,
            TASK_MANAGERS,
            slots,
            checkpointingInterval > 0 ? "every " + checkpointingInterval + " ms" : "off",
            String.join(" ", serveArgs),
            Runtime.getRuntime().availableProcessors(),
            uptimeStart,
            uptimeEnd));
    return sb.toString();
  }

  private static String figure(double v, String format) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, format, v);
  }

  private static boolean waitFor(BooleanSupplier condition, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** {@code uptime}'s line, or {@code /proc/loadavg} where it is missing. */
  private static String uptime() {
    try {
      Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && !out.isEmpty()) {
        return out;
      }
    } catch (IOException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "load average " + loadAverage();
    }
  }

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
