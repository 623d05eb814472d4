package dev.freshet.pipelines.learn;

import dev.freshet.model.external.ExternalTraining;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.model.registry.SmokeTestSet;
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
import org.apache.beam.sdk.PipelineResult;

/**
 * Launching {@link LearnPipeline}: checks Kafka, the registry (a production model) and the
 * smoke-test set up front, then starts the pipeline and runs until it is cancelled. {@code freshet
 * learn}, the worker jar's main class and the Dataflow template all launch learn through it.
 */
public final class LearnJob {
  /** Learn reads {@code outcomes} like serve does; its own group keeps their offsets apart. */
  public static final String DEFAULT_CONSUMER_GROUP = "freshet-learn";

  static final List<String> USAGE =
      List.of(
          "Usage: freshet learn --bootstrapServers=host:port [--option=value ...]",
          "Joins logged predictions with their outcomes, updates a copy of the production model on",
          "micro-batches, judges it on the smoke-test set every --gateEvery micro-batches and",
          "registers the candidates that pass (events on --modelEventsTopic). Production is never",
          "modified. Runs until stopped (Ctrl-C).");

  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private LearnJob() {}

  /** Runs learn with Beam-style arguments until it is stopped; returns the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, LearnOptions.class);
      return 0;
    }
    PipelineResult result = start(parse(args), out);
    out.println("learning; stop with Ctrl-C");
    result.waitUntilFinish();
    return 0;
  }

  /** Parses Beam-style arguments, adding the runner's defaults and learn's consumer group. */
  public static LearnOptions parse(String... args) {
    return Launcher.parse(LearnOptions.class, withLearnDefaults(Launcher.withRunnerDefaults(args)));
  }

  /** {@code args} with learn's own consumer group unless one is given. */
  public static String[] withLearnDefaults(String... args) {
    return Launcher.withDefaults(args, List.of("--consumerGroup=" + DEFAULT_CONSUMER_GROUP));
  }

  /**
   * What the learner needs before it starts, checked where a launch can still fail with a clear
   * message: a production version that loads with {@code spec}'s fingerprint (the working copy
   * starts from it) and the spec's smoke-test set (the offline gate judges on it). Returns the
   * production version and the set.
   */
  public static Prerequisites requireLearnableRegistry(String registryPath, FeatureSpec spec)
      throws IOException {
    ModelRegistry registry = ModelRegistry.at(registryPath);
    String production =
        registry
            .production()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--registry="
                            + registryPath
                            + " has no production model to learn from. Train one first: freshet"
                            + " train --registry="
                            + registryPath));
    try (LoadedModel loaded = registry.load(production, spec.fingerprint())) {
      // Loaded and verified: the learner copies exactly this version. An imported network must
      // also be one DJL can train (TorchScript with parameters); serving it needs none of that.
      if (loaded.classifier().external().isPresent()) {
        try {
          ExternalTraining.requireTrainable(loaded.classifier());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "production version "
                  + production
                  + " cannot be fine-tuned: "
                  + e.getMessage()
                  + " (serve keeps serving it)",
              e);
        }
      }
    } catch (ModelRejectedException e) {
      throw new IllegalArgumentException(
          "production version "
              + production
              + " in "
              + registryPath
              + " cannot be learnt from with spec '"
              + spec.name()
              + "': "
              + e.getMessage(),
          e);
    }
    return new Prerequisites(production, SmokeTestSet.read(registryPath, spec));
  }

  /** The production version learning starts from and the smoke-test set. */
  public record Prerequisites(String production, SmokeTestSet smokeTest) {}

  /**
   * Checks the options (the outcomes' encoding included), Kafka (reachable, topics present), the
   * registry (a production version) and the smoke-test set, then starts the pipeline without
   * blocking; cancel the result to stop it.
   */
  public static PipelineResult start(LearnOptions options, PrintStream out) throws IOException {
    FeatureSpec spec = Specs.load(options);
    LearnPipeline.validate(options, spec);
    EncodedTopic.outcomes(options, spec).check();
    KafkaClients kafka = KafkaClients.of(options);
    KafkaTopics.requireReachable(
        kafka,
        List.of(
            options.getPredictionsTopic(),
            options.getOutcomesTopic(),
            options.getModelEventsTopic(),
            options.getDeadLettersTopic()),
        KAFKA_CHECK_TIMEOUT);
    Prerequisites ready = requireLearnableRegistry(options.getRegistry(), spec);
    out.printf(
        "Freshet learn: spec '%s', production %s in %s, smoke-test set of %,d examples,"
            + " micro-batches of %d, gate every %d, Kafka %s, runner %s%n",
        spec.name(),
        ready.production(),
        options.getRegistry(),
        ready.smokeTest().labels().length,
        options.getMicroBatchSize(),
        options.getGateEvery(),
        kafka.describe(),
        options.getRunner().getSimpleName());
    return Launcher.startUnbounded(options, p -> LearnPipeline.build(p, options, spec));
  }
}
