package dev.freshet.pipelines.learn;

import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.serve.ServeCommand;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code freshet learn}: checks Kafka, the registry (a production model) and the smoke-test set up
 * front, then runs {@link LearnPipeline} until it is cancelled.
 */
public final class LearnCommand {
  /** Learn reads {@code outcomes} like serve does; its own group keeps their offsets apart. */
  static final String DEFAULT_CONSUMER_GROUP = "--consumerGroup=freshet-learn";

  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private LearnCommand() {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(LearnOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: freshet learn --bootstrapServers=host:port [--option=value ...]");
      out.println(
          "Joins logged predictions with their outcomes, updates a copy of the production model on");
      out.println(
          "micro-batches, judges it on the smoke-test set every --gateEvery micro-batches and");
      out.println(
          "registers the candidates that pass (events on --modelEventsTopic). Production is never");
      out.println("modified. Runs until stopped (Ctrl-C).");
      out.println();
      PipelineOptionsFactory.printHelp(out, LearnOptions.class);
      return 0;
    }
    PipelineResult result = start(parse(args), out);
    out.println("learning; stop with Ctrl-C");
    result.waitUntilFinish();
    return 0;
  }

  /** Parses Beam-style arguments, adding serve's runner defaults and learn's consumer group. */
  public static LearnOptions parse(String... args) {
    PipelineOptionsFactory.register(LearnOptions.class);
    List<String> all = new ArrayList<>(Arrays.asList(ServeCommand.withRunnerDefaults(args)));
    if (all.stream().noneMatch(a -> a.startsWith("--consumerGroup="))) {
      all.add(DEFAULT_CONSUMER_GROUP);
    }
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0]))
        .withValidation()
        .as(LearnOptions.class);
  }

  /**
   * Checks Kafka (reachable, topics present), the registry (a production version) and the
   * smoke-test set, then starts the pipeline without blocking; cancel the result to stop it.
   */
  public static PipelineResult start(LearnOptions options, PrintStream out) throws IOException {
    FeatureSpec spec = FeaturesCommand.loadSpec(options);
    KafkaTopics.requireReachable(
        options.getBootstrapServers(),
        List.of(
            options.getPredictionsTopic(),
            options.getOutcomesTopic(),
            options.getModelEventsTopic(),
            options.getDeadLettersTopic()),
        KAFKA_CHECK_TIMEOUT);
    String production =
        ModelRegistry.at(options.getRegistry())
            .production()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--registry="
                            + options.getRegistry()
                            + " has no production model to learn from. Train one first: freshet"
                            + " train --registry="
                            + options.getRegistry()));
    SmokeTestSet smoke = SmokeTestSet.read(options.getRegistry(), spec);
    options.setStreaming(true);
    options.as(DirectOptions.class).setBlockOnRun(false);
    if (options.getRunner() == FlinkRunner.class) {
      options.as(FlinkPipelineOptions.class).setAttachedMode(false);
    }
    out.printf(
        "Freshet learn: spec '%s', production %s in %s, smoke-test set of %,d examples,"
            + " micro-batches of %d, gate every %d, Kafka %s, runner %s%n",
        spec.name(),
        production,
        options.getRegistry(),
        smoke.labels().length,
        options.getMicroBatchSize(),
        options.getGateEvery(),
        options.getBootstrapServers(),
        options.getRunner().getSimpleName());
    Pipeline p = Pipeline.create(options);
    LearnPipeline.build(p, options, spec);
    return p.run();
  }
}
