package dev.freshet.pipelines.bench.serve;

import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The systems the benchmark compares, by name: the plain loop ({@link PlainLoopServer}), and serve
 * on the direct runner and on embedded Flink, with the runner settings given on the command line.
 */
final class SystemsUnderTest {
  static final String LOOP = "loop";
  static final String DIRECT = "direct";
  static final String FLINK = "flink";
  static final List<String> ALL = List.of(LOOP, DIRECT, FLINK);

  /**
   * Flink with some of serve's options forced, to compare settings in one run; {@link #FLINK} runs
   * serve's defaults (checkpointing off). The feature stages' two layouts ({@code
   * --featureStages}); checkpoints every 2 s (so Kafka read as a splittable DoFn, see
   * Launcher#withExactRestores); and those checkpoints with transactional writes ({@code
   * --deliveryGuarantee=EXACTLY_ONCE}), with aligned or unaligned checkpoints; and the
   * checkpointing ones with the splittable reader polling 1 s instead of 2 ({@code
   * --consumerPollingTimeoutSeconds=1}).
   */
  static final Map<String, List<String>> FLINK_VARIANTS =
      Map.of(
          "flink-fanout", List.of("--featureStages=FAN_OUT"),
          "flink-chained", List.of("--featureStages=CHAINED"),
          "flink-checkpoints", List.of("--checkpointingInterval=2000"),
          "flink-exactly-once",
              List.of("--checkpointingInterval=2000", "--deliveryGuarantee=EXACTLY_ONCE"),
          "flink-exactly-once-unaligned",
              List.of(
                  "--checkpointingInterval=2000",
                  "--deliveryGuarantee=EXACTLY_ONCE",
                  "--unalignedCheckpointEnabled=true"),
          "flink-checkpoints-poll1",
              List.of("--checkpointingInterval=2000", "--consumerPollingTimeoutSeconds=1"),
          "flink-exactly-once-poll1",
              List.of(
                  "--checkpointingInterval=2000",
                  "--deliveryGuarantee=EXACTLY_ONCE",
                  "--consumerPollingTimeoutSeconds=1"));

  /** Every system name {@link #start} knows. */
  static final List<String> KNOWN =
      List.of(
          LOOP,
          DIRECT,
          FLINK,
          "flink-fanout",
          "flink-chained",
          "flink-checkpoints",
          "flink-exactly-once",
          "flink-exactly-once-unaligned",
          "flink-checkpoints-poll1",
          "flink-exactly-once-poll1");

  private final FeatureSpec spec;
  private final Long modelPollMillis;
  private final List<String> flinkArgs;
  private final long flinkBufferTimeoutMs;
  private final List<String> flinkConf;
  private final List<String> directArgs;
  private final PrintStream stderr;

  SystemsUnderTest(
      FeatureSpec spec,
      Long modelPollMillis,
      List<String> flinkArgs,
      long flinkBufferTimeoutMs,
      List<String> flinkConf,
      List<String> directArgs,
      PrintStream stderr) {
    this.spec = spec;
    this.modelPollMillis = modelPollMillis;
    this.flinkArgs = flinkArgs;
    this.flinkBufferTimeoutMs = flinkBufferTimeoutMs;
    this.flinkConf = flinkConf;
    this.directArgs = directArgs;
    this.stderr = stderr;
  }

  /** Starts {@code system} on {@code topics} with the models in {@code registryDir}. */
  Running start(KafkaClients kafka, String system, Topics topics, Path registryDir, Path work)
      throws Exception {
    if (system.equals(LOOP)) {
      PlainLoopServer loop =
          new PlainLoopServer(
              kafka,
              topics.events(),
              topics.predictions(),
              spec,
              registryDir.toString(),
              TimeUnit.SECONDS.toMillis(600),
              0.5);
      loop.start();
      return new Running(loop, null);
    }
    List<String> args = serveArgs(kafka, system, topics, registryDir, work);
    PipelineResult result = ServeJob.start(ServeJob.parse(args.toArray(new String[0])), stderr);
    return new Running(null, result);
  }

  private List<String> serveArgs(
      KafkaClients kafka, String system, Topics topics, Path registryDir, Path work)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + (isFlink(system) ? "FlinkRunner" : "DirectRunner"),
                "--startOffset=EARLIEST",
                "--registry=" + registryDir));
    args.addAll(topics.serveOptions());
    args.addAll(kafka.options());
    if (modelPollMillis != null) {
      args.add("--modelPollMillis=" + modelPollMillis);
    }
    if (isFlink(system)) {
      args.add("--flinkMaster=[local]");
      args.addAll(flinkArgs);
      args.addAll(FLINK_VARIANTS.getOrDefault(system, List.of()));
      args.addAll(
          checkpointStorage(args, Files.createDirectories(work.resolve("checkpoints")).toUri()));
      if (flinkBufferTimeoutMs >= 0 || !flinkConf.isEmpty()) {
        args.add("--flinkConfDir=" + flinkConfDir(work));
      }
    } else {
      args.addAll(directArgs);
    }
    return args;
  }

  /**
   * Checkpoints on disk, at {@code path}, where {@code args} checkpoint and name no state backend:
   * the embedded cluster's default keeps them in the JobManager's memory, at most 5 MB of state per
   * task, which a backlog in flight exceeds (the checkpoint fails and the job restarts, over and
   * over; docs/deploy.md).
   */
  private static List<String> checkpointStorage(List<String> args, Object path) {
    return checkpoints(args) && args.stream().noneMatch(a -> a.startsWith("--stateBackend"))
        ? List.of("--stateBackend=filesystem", "--stateBackendStoragePath=" + path)
        : List.of();
  }

  /** Whether {@code args}, given to Flink, turn its checkpointing on. */
  static boolean checkpoints(List<String> args) {
    List<String> onFlink = new ArrayList<>(args);
    // A second --runner would not override the first: lenient parsing drops an option given twice.
    onFlink.removeIf(a -> a.startsWith("--runner="));
    onFlink.add("--runner=FlinkRunner");
    return Launcher.flinkCheckpoints(
        PipelineOptionsFactory.fromArgs(onFlink.toArray(new String[0]))
            .withoutStrictParsing()
            .create());
  }

  static boolean isFlink(String system) {
    return system.equals(FLINK) || FLINK_VARIANTS.containsKey(system);
  }

  /** A Flink configuration directory holding the network buffer timeout and the given lines. */
  private Path flinkConfDir(Path work) throws IOException {
    Path dir = Files.createDirectories(work.resolve("flink-conf"));
    List<String> lines = new ArrayList<>();
    if (flinkBufferTimeoutMs >= 0) {
      lines.add("execution.buffer-timeout.interval: " + flinkBufferTimeoutMs + " ms");
    }
    lines.addAll(flinkConf);
    Files.write(dir.resolve("flink-conf.yaml"), lines, StandardCharsets.UTF_8);
    return dir;
  }

  /** The runner settings a system runs with: ours plus serve's defaults for the rest. */
  String describe(String system) {
    if (system.equals(LOOP)) {
      return "KafkaConsumer → features → DJL (one batch per poll) → KafkaProducer, one thread";
    }
    boolean flink = isFlink(system);
    List<String> given = new ArrayList<>();
    given.add(flink ? "--runner=FlinkRunner" : "--runner=DirectRunner");
    given.addAll(flink ? flinkArgs : directArgs);
    given.addAll(FLINK_VARIANTS.getOrDefault(system, List.of()));
    if (flink) {
      given.addAll(checkpointStorage(given, "<work>/checkpoints"));
    }
    List<String> shown =
        new ArrayList<>(List.of(Launcher.withRunnerDefaults(given.toArray(new String[0]))));
    shown.remove(0);
    if (flink) {
      shown.add(
          flinkBufferTimeoutMs >= 0
              ? "execution.buffer-timeout.interval=" + flinkBufferTimeoutMs + "ms"
              : "execution.buffer-timeout.interval=100ms (Flink's default)");
      flinkConf.forEach(line -> shown.add(line.replace(": ", "=")));
    }
    return String.join(" ", shown);
  }
}
