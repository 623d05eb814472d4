package dev.freshet.pipelines.archive;

import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.kafka.KafkaTopics;
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
 * {@code freshet archive}: checks the options and Kafka up front (failing fast with what to do),
 * then runs {@link ArchivePipeline} until it is stopped.
 */
public final class ArchiveCommand {
  /** Archive reads the topics serve and learn read; its own group keeps its offsets apart. */
  public static final String DEFAULT_CONSUMER_GROUP = "freshet-archive";

  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private ArchiveCommand() {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(ArchiveOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println(
          "Usage: freshet archive --bootstrapServers=host:port --archiveDir=DIR [--option=value"
              + " ...]");
      out.println(
          "Writes the events, outcomes and predictions topics to Parquet files partitioned by");
      out.println(
          "event date and hour, <archiveDir>/<stream>/date=YYYY-MM-DD/hour=HH/part-....parquet;");
      out.println(
          "events and outcomes with the spec's columns, so freshet train reads them directly:");
      out.println(
          "  freshet train --events='DIR/payments/**/*.parquet' --outcomes='DIR/chargebacks/**/*.parquet'");
      out.println(
          "An hour is written when the watermark passes its end (early after"
              + " --earlyFiringMinutes");
      out.println(
          "if the watermark stalls; late records as extra files). Malformed records go to"
              + " --deadLettersTopic.");
      out.println(
          "Runs until stopped; drain it (Flink: flink stop --drain) to write the open hours first.");
      out.println();
      PipelineOptionsFactory.printHelp(out, ArchiveOptions.class);
      return 0;
    }
    PipelineResult result = start(parse(args), out);
    out.println("archiving; stop with Ctrl-C (open hours are not written) or drain the job");
    result.waitUntilFinish();
    return 0;
  }

  /** Parses Beam-style arguments, adding archive's consumer group unless one is given. */
  public static ArchiveOptions parse(String... args) {
    PipelineOptionsFactory.register(ArchiveOptions.class);
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (all.stream().noneMatch(a -> a.startsWith("--consumerGroup="))) {
      all.add("--consumerGroup=" + DEFAULT_CONSUMER_GROUP);
    }
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0]))
        .withValidation()
        .as(ArchiveOptions.class);
  }

  /**
   * Checks the options, then Kafka (reachable, topics present), then starts the pipeline without
   * blocking; cancel the returned result to stop it.
   */
  public static PipelineResult start(ArchiveOptions options, PrintStream out) throws IOException {
    FeatureSpec spec = FeaturesCommand.loadSpec(options);
    ArchivePipeline.validate(options, spec);
    List<String> topics = new ArrayList<>();
    ArchivePipeline.streams(options, spec).forEach(s -> topics.add(s.topic()));
    topics.add(options.getDeadLettersTopic());
    KafkaTopics.requireReachable(options.getBootstrapServers(), topics, KAFKA_CHECK_TIMEOUT);
    options.setStreaming(true);
    options.as(DirectOptions.class).setBlockOnRun(false);
    if (options.getRunner() == FlinkRunner.class) {
      options.as(FlinkPipelineOptions.class).setAttachedMode(false);
    }
    List<String> described = new ArrayList<>();
    ArchivePipeline.streams(options, spec)
        .forEach(s -> described.add(s.topic() + " -> " + s.name() + "/"));
    out.printf(
        "Freshet archive: spec '%s', %s under %s, %d shard(s) per hour, Kafka %s, runner %s%n",
        spec.name(),
        String.join(", ", described),
        options.getArchiveDir(),
        options.getNumShards(),
        options.getBootstrapServers(),
        options.getRunner().getSimpleName());
    Pipeline p = Pipeline.create(options);
    ArchivePipeline.build(p, options, spec);
    return p.run();
  }
}
