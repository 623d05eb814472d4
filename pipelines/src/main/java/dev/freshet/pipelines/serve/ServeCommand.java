package dev.freshet.pipelines.serve;

import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code freshet serve}: checks Kafka and the registry up front (failing fast with what to do),
 * then runs {@link ServePipeline} until it is cancelled.
 */
public final class ServeCommand {
  /** Bundle settings for low latency on Flink, applied unless given on the command line. */
  static final List<String> FLINK_LATENCY_DEFAULTS =
      List.of("--maxBundleTimeMills=20", "--maxBundleSize=500", "--autoWatermarkInterval=50");

  /**
   * The direct runner checks by default that no element is mutated and that every element survives
   * its coder, by encoding each one again: right for tests of user code, but it multiplies the
   * latency of serving (see docs/benchmarks/serve.md). Serve turns both off unless given.
   */
  static final List<String> DIRECT_DEFAULTS =
      List.of("--enforceImmutability=false", "--enforceEncodability=false");

  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private ServeCommand() {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(ServeOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: freshet serve --bootstrapServers=host:port [--option=value ...]");
      out.println(
          "Scores events from Kafka with the registry's production model and writes predictions;");
      out.println(
          "picks up promotions and roll-backs without a restart. Runs until stopped (Ctrl-C).");
      out.println(
          "Unless given, it uses "
              + String.join(" ", FLINK_LATENCY_DEFAULTS)
              + " on Flink and "
              + String.join(" ", DIRECT_DEFAULTS)
              + " on the direct runner.");
      out.println();
      PipelineOptionsFactory.printHelp(out, ServeOptions.class);
      return 0;
    }
    ServeOptions options = parse(args);
    PipelineResult result = start(options, out);
    out.println("serving; stop with Ctrl-C");
    result.waitUntilFinish();
    return 0;
  }

  /** Parses Beam-style arguments, adding the runner defaults the user did not set. */
  public static ServeOptions parse(String... args) {
    PipelineOptionsFactory.register(ServeOptions.class);
    return PipelineOptionsFactory.fromArgs(withRunnerDefaults(args))
        .withValidation()
        .as(ServeOptions.class);
  }

  /**
   * {@code args} plus the runner's defaults that are not given: {@link #FLINK_LATENCY_DEFAULTS} on
   * Flink, {@link #DIRECT_DEFAULTS} on the direct runner (the default runner).
   */
  public static String[] withRunnerDefaults(String... args) {
    PipelineOptionsFactory.register(ServeOptions.class);
    Class<?> runner = PipelineOptionsFactory.fromArgs(args).create().getRunner();
    List<String> defaults =
        runner == FlinkRunner.class
            ? FLINK_LATENCY_DEFAULTS
            : runner == DirectRunner.class ? DIRECT_DEFAULTS : List.of();
    List<String> all = new ArrayList<>(Arrays.asList(args));
    for (String d : defaults) {
      String name = d.substring(0, d.indexOf('=') + 1);
      if (all.stream().noneMatch(a -> a.startsWith(name))) {
        all.add(d);
      }
    }
    return all.toArray(new String[0]);
  }

  /**
   * Checks Kafka (reachable, topics present) and the registry (a servable production version), then
   * starts the pipeline without blocking; cancel the returned result to stop it.
   */
  public static PipelineResult start(ServeOptions options, PrintStream out) throws IOException {
    ServePipeline.validate(options);
    FeatureSpec spec = FeaturesCommand.loadSpec(options);
    KafkaTopics.requireReachable(
        options.getBootstrapServers(), ServePipeline.topics(options, spec), KAFKA_CHECK_TIMEOUT);
    String version = requireServableModel(options.getRegistry(), spec);
    options.setStreaming(true);
    options.as(DirectOptions.class).setBlockOnRun(false);
    if (options.getRunner() == FlinkRunner.class) {
      options.as(FlinkPipelineOptions.class).setAttachedMode(false);
    }
    out.printf(
        "Freshet serve: spec '%s' (fingerprint %s), model %s from %s, Kafka %s, runner %s%n",
        spec.name(),
        spec.fingerprint().substring(0, 12),
        version,
        options.getRegistry(),
        options.getBootstrapServers(),
        options.getRunner().getSimpleName());
    Pipeline p = Pipeline.create(options);
    ServePipeline.build(p, options, spec);
    return p.run();
  }

  /**
   * The production version serve will start with. Fails fast, saying what to do, when there is
   * none; when production does not verify, names the earlier version serve falls back to.
   */
  public static String requireServableModel(String registryPath, FeatureSpec spec)
      throws IOException {
    ModelRegistry registry = ModelRegistry.at(registryPath);
    List<String> lineage = registry.productionLineage();
    if (lineage.isEmpty()) {
      throw new IllegalArgumentException(
          "--registry="
              + registryPath
              + " has no production model. Train one first: freshet train --registry="
              + registryPath);
    }
    Optional<String> firstError = Optional.empty();
    for (String version : lineage) {
      try (LoadedModel ignored = registry.load(version, spec.fingerprint())) {
        return version;
      } catch (ModelRejectedException e) {
        if (firstError.isEmpty()) {
          firstError = Optional.of(e.getMessage());
        }
      }
    }
    throw new IllegalArgumentException(
        "--registry="
            + registryPath
            + " has no production model serve can use: "
            + firstError.orElse("")
            + " (and no earlier production version verifies either).");
  }
}
