package dev.freshet.pipelines.serve;

import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launching {@link ServePipeline}: checks Kafka and the registry up front (failing fast with what
 * to do), then starts the pipeline and runs until it is cancelled. {@code freshet serve}, the
 * worker jar's main class and the Dataflow template all launch serve through it.
 */
public final class ServeJob {
  static final List<String> USAGE =
      List.of(
          "Usage: freshet serve --bootstrapServers=host:port [--option=value ...]",
          "Scores events from Kafka with the registry's production model and writes predictions;",
          "picks up promotions and roll-backs without a restart. Runs until stopped (Ctrl-C).",
          "Unless given, it uses "
              + String.join(" ", Launcher.FLINK_LATENCY_DEFAULTS)
              + " on Flink and "
              + String.join(" ", Launcher.DIRECT_DEFAULTS)
              + " on the direct runner.");

  private static final Logger LOG = LoggerFactory.getLogger(ServeJob.class);
  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private ServeJob() {}

  /** Runs serve with Beam-style arguments until it is stopped; returns the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, ServeOptions.class);
      return 0;
    }
    PipelineResult result = start(parse(args), out);
    out.println("serving; stop with Ctrl-C");
    result.waitUntilFinish();
    return 0;
  }

  /** Parses Beam-style arguments, adding the runner defaults the user did not set. */
  public static ServeOptions parse(String... args) {
    return Launcher.parse(ServeOptions.class, Launcher.withRunnerDefaults(args));
  }

  /**
   * Checks the options (the encodings' schema files included), Kafka (reachable, topics present)
   * and the registry (a servable production version), then starts the pipeline without blocking;
   * cancel the returned result to stop it.
   */
  public static PipelineResult start(ServeOptions options, PrintStream out) throws IOException {
    ServePipeline.validate(options);
    FeatureSpec spec = Specs.load(options);
    ServePipeline.inputs(options, spec).forEach(EncodedTopic::check);
    KafkaClients kafka = KafkaClients.of(options);
    KafkaTopics.requireReachable(kafka, ServePipeline.topics(options, spec), KAFKA_CHECK_TIMEOUT);
    if (Launcher.splittableKafkaReads(options)) {
      String events = options.getEventsTopic();
      KafkaTopics.partitionsReadInTurn(
              events,
              KafkaTopics.partitions(kafka, events, "serve's reader check"),
              options.as(FlinkPipelineOptions.class).getParallelism())
          .ifPresent(LOG::warn);
    }
    String version = requireServableModel(options.getRegistry(), spec);
    out.printf(
        "Freshet serve: spec '%s' (fingerprint %s), model %s from %s, Kafka %s, runner %s%n",
        spec.name(),
        spec.fingerprint().substring(0, 12),
        version,
        options.getRegistry(),
        kafka.describe(),
        options.getRunner().getSimpleName());
    return Launcher.startUnbounded(options, p -> ServePipeline.build(p, options, spec));
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
      try {
        registry.load(version, spec.fingerprint()).close();
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
