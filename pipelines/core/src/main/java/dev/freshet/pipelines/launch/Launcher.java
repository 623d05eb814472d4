package dev.freshet.pipelines.launch;

import dev.freshet.transforms.events.ParseEvents;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Freshet's pipelines start from Beam-style arguments ({@code --name=value}), the same way from
 * the {@code freshet} command line, the worker jar's main class and the Dataflow templates: the
 * runner's defaults added where the user gave none, help printed on request, and unbounded jobs
 * started without blocking.
 */
public final class Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

  /** Bundle settings for low latency on Flink, applied unless given on the command line. */
  public static final List<String> FLINK_LATENCY_DEFAULTS =
      List.of("--maxBundleTimeMills=20", "--maxBundleSize=500", "--autoWatermarkInterval=50");

  /**
   * The direct runner checks by default that no element is mutated and that every element survives
   * its coder, by encoding each one again: right for tests of user code, but it multiplies the
   * latency of serving (see docs/benchmarks/serve.md). Streaming jobs turn both off unless given.
   */
  public static final List<String> DIRECT_DEFAULTS =
      List.of("--enforceImmutability=false", "--enforceEncodability=false");

  /** The experiment that makes Beam read Kafka through a splittable DoFn on the Flink runner. */
  public static final String SDF_READS = "beam_fn_api";

  private Launcher() {}

  /**
   * {@code args} plus each of {@code defaults} ({@code --name=value}) whose option is not given.
   */
  public static String[] withDefaults(String[] args, List<String> defaults) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    for (String d : defaults) {
      String name = d.substring(0, d.indexOf('=') + 1);
      if (Arrays.stream(args).noneMatch(a -> a.startsWith(name))) {
        all.add(d);
      }
    }
    return all.toArray(new String[0]);
  }

  /**
   * {@code args} plus the runner's defaults that are not given: {@link #FLINK_LATENCY_DEFAULTS} on
   * Flink, {@link #DIRECT_DEFAULTS} on the direct runner (the default runner); and, on Flink with
   * checkpoints or a savepoint to restore from, the experiment {@value #SDF_READS} (see {@link
   * #withExactRestores}).
   */
  public static String[] withRunnerDefaults(String... args) {
    // Only the runner's options matter here: others, even unknown ones, are checked by parse().
    PipelineOptions given = PipelineOptionsFactory.fromArgs(args).withoutStrictParsing().create();
    Class<?> runner = given.getRunner();
    List<String> defaults =
        runner == FlinkRunner.class
            ? FLINK_LATENCY_DEFAULTS
            : runner == DirectRunner.class ? DIRECT_DEFAULTS : List.of();
    return withExactRestores(withDefaults(args, defaults));
  }

  /**
   * {@code args} with {@value #SDF_READS} among the experiments when a Flink job can be restored
   * (checkpointing on, or {@code --savepointPath} given). Beam 2.62's Flink runner otherwise reads
   * Kafka through a Flink source whose restore is broken: it reads each partition twice
   * (apache/beam#31313), and on a local cluster a TaskManager killed under serve left the tail of a
   * partition unscored after the restart in both runs (docs/faults.md). As a splittable DoFn the
   * reader's restored state holds each partition's offset once; the price is throughput
   * (docs/deploy.md). Jobs that cannot restore keep the faster source.
   */
  public static String[] withExactRestores(String... args) {
    PipelineOptions given = PipelineOptionsFactory.fromArgs(args).withoutStrictParsing().create();
    if (given.getRunner() != FlinkRunner.class) {
      return args;
    }
    boolean restorable = flinkCheckpoints(given) || restoresState(given);
    List<String> experiments = given.as(ExperimentalOptions.class).getExperiments();
    if (!restorable || experiments != null && experiments.contains(SDF_READS)) {
      return args;
    }
    // A repeated list option adds to the given values.
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--experiments=" + SDF_READS);
    return all.toArray(new String[0]);
  }

  /**
   * Whether a Flink job reads Kafka as a splittable DoFn ({@value #SDF_READS}, which {@link
   * #withExactRestores} adds to restorable jobs).
   */
  public static boolean splittableKafkaReads(PipelineOptions options) {
    return options.getRunner() == FlinkRunner.class
        && ExperimentalOptions.hasExperiment(options, SDF_READS);
  }

  /** Whether {@code options} run on Flink with checkpointing on. */
  public static boolean flinkCheckpoints(PipelineOptions options) {
    if (options.getRunner() != FlinkRunner.class) {
      return false;
    }
    Long interval = options.as(FlinkPipelineOptions.class).getCheckpointingInterval();
    return interval != null && interval > 0;
  }

  /**
   * Whether {@code options} run on a Flink cluster embedded in this JVM: no {@code --flinkMaster},
   * or one of Beam's bracketed ones ({@code [local]}, {@code [auto]}), not a JobManager's address.
   */
  public static boolean embeddedFlink(PipelineOptions options) {
    if (options.getRunner() != FlinkRunner.class) {
      return false;
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    return master == null || master.startsWith("[");
  }

  /**
   * Whether a Flink job checkpoints on an embedded cluster into Flink's default storage, the
   * JobManager's memory: no {@code --stateBackendStoragePath}, no {@code --flinkConfDir} and no
   * {@code FLINK_CONF_DIR} that could name one.
   */
  static boolean checkpointsInJobManagerMemory(PipelineOptions options) {
    if (!flinkCheckpoints(options) || !embeddedFlink(options)) {
      return false;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    return flink.getStateBackendStoragePath() == null
        && flink.getFlinkConfDir() == null
        && System.getenv("FLINK_CONF_DIR") == null;
  }

  /**
   * Whether the job starts from saved state: a Flink savepoint or retained checkpoint ({@code
   * --savepointPath}). Every other start is a new one, with empty state.
   */
  public static boolean restoresState(PipelineOptions options) {
    if (options.getRunner() != FlinkRunner.class) {
      return false;
    }
    String path = options.as(FlinkPipelineOptions.class).getSavepointPath();
    return path != null && !path.isBlank();
  }

  /** Parses {@code args} as {@code type}, validating required options. */
  public static <T extends PipelineOptions> T parse(Class<T> type, String... args) {
    PipelineOptionsFactory.register(type);
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(type);
  }

  /** Whether {@code args} ask for help ({@code --help} or {@code -h}). */
  public static boolean wantsHelp(String... args) {
    return Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("-h"));
  }

  /** The usage lines, a blank line, then every option of {@code type} with its description. */
  public static void printHelp(
      PrintStream out, List<String> usage, Class<? extends PipelineOptions> type) {
    PipelineOptionsFactory.register(type);
    usage.forEach(out::println);
    out.println();
    PipelineOptionsFactory.printHelp(out, type);
  }

  /**
   * Builds an unbounded pipeline with {@code build} and starts it without waiting for it: streaming
   * mode, the direct runner not blocking, Flink detached. Cancel the result to stop it.
   */
  public static PipelineResult startUnbounded(PipelineOptions options, Consumer<Pipeline> build) {
    if (checkpointsInJobManagerMemory(options)) {
      LOG.warn(
          "checkpoints on the embedded Flink cluster go to the JobManager's memory, at most 5 MB"
              + " of state per task: a backlog in flight overflows it and the job then restarts"
              + " at every checkpoint. Give --stateBackend=filesystem"
              + " --stateBackendStoragePath=file:///a/durable/dir (docs/deploy.md)");
    }
    options.as(StreamingOptions.class).setStreaming(true);
    options.as(DirectOptions.class).setBlockOnRun(false);
    if (options.getRunner() == FlinkRunner.class) {
      options.as(FlinkPipelineOptions.class).setAttachedMode(false);
    }
    Pipeline p = Pipeline.create(options);
    build.accept(p);
    return p.run();
  }

  /** Freshet's counters of a (running or finished) pipeline, summed over steps. */
  public static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> out = new TreeMap<>();
    for (MetricResult<Long> counter :
        result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      if (ParseEvents.METRICS_NAMESPACE.equals(counter.getName().getNamespace())) {
        out.merge(counter.getName().getName(), counter.getAttempted(), Long::sum);
      }
    }
    return out;
  }
}
