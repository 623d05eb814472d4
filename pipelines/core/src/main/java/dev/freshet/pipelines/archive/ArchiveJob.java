package dev.freshet.pipelines.archive;

import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;

/**
 * Launching {@link ArchivePipeline}: checks the options and Kafka up front (failing fast with what
 * to do), then starts the pipeline and runs until it is stopped. {@code freshet archive} and the
 * worker jar's main class launch archive through it.
 */
public final class ArchiveJob {
  /** Archive reads the topics serve and learn read; its own group keeps its offsets apart. */
  public static final String DEFAULT_CONSUMER_GROUP = "freshet-archive";

  static final List<String> USAGE =
      List.of(
          "Usage: freshet archive --bootstrapServers=host:port --archiveDir=DIR [--option=value"
              + " ...]",
          "Writes the events, outcomes and predictions topics to Parquet files partitioned by",
          "event date and hour, <archiveDir>/<stream>/date=YYYY-MM-DD/hour=HH/part-....parquet;",
          "events and outcomes with the spec's columns, so freshet train reads them directly:",
          "  freshet train --events='DIR/payments/**/*.parquet'"
              + " --outcomes='DIR/chargebacks/**/*.parquet'",
          "An hour is written when the watermark passes its end (early after --earlyFiringMinutes",
          "if the watermark stalls; late records as extra files). Malformed records go to"
              + " --deadLettersTopic.",
          "Runs until stopped; drain it (Flink: flink stop --drain) to write the open hours first.");

  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private ArchiveJob() {}

  /** Runs archive with Beam-style arguments until it is stopped; returns the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, ArchiveOptions.class);
      return 0;
    }
    PipelineResult result = start(parse(args), out);
    out.println("archiving; stop with Ctrl-C (open hours are not written) or drain the job");
    result.waitUntilFinish();
    return 0;
  }

  /**
   * Parses Beam-style arguments, adding archive's consumer group unless one is given (and, on Flink
   * with checkpoints, {@link Launcher#withExactRestores}).
   */
  public static ArchiveOptions parse(String... args) {
    return Launcher.parse(
        ArchiveOptions.class,
        Launcher.withExactRestores(
            Launcher.withDefaults(args, List.of("--consumerGroup=" + DEFAULT_CONSUMER_GROUP))));
  }

  /**
   * Checks the options (the encodings' schema files included), then Kafka (reachable, topics
   * present), then starts the pipeline without blocking; cancel the returned result to stop it.
   */
  public static PipelineResult start(ArchiveOptions options, PrintStream out) throws IOException {
    FeatureSpec spec = Specs.load(options);
    ArchivePipeline.validate(options, spec);
    ArchivePipeline.inputs(options, spec).forEach(EncodedTopic::check);
    List<String> topics = new ArrayList<>();
    ArchivePipeline.streams(options, spec).forEach(s -> topics.add(s.topic()));
    topics.add(options.getDeadLettersTopic());
    KafkaClients kafka = KafkaClients.of(options);
    KafkaTopics.requireReachable(kafka, topics, KAFKA_CHECK_TIMEOUT);
    List<String> described = new ArrayList<>();
    ArchivePipeline.streams(options, spec)
        .forEach(s -> described.add(s.topic() + " -> " + s.name() + "/"));
    out.printf(
        "Freshet archive: spec '%s', %s under %s, %d shard(s) per hour, Kafka %s, runner %s%n",
        spec.name(),
        String.join(", ", described),
        options.getArchiveDir(),
        options.getNumShards(),
        kafka.describe(),
        options.getRunner().getSimpleName());
    return Launcher.startUnbounded(options, p -> ArchivePipeline.build(p, options, spec));
  }
}
