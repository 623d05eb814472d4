package dev.freshet.pipelines.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.kafka.EmbeddedKafka;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.kafka.MalformedRecords;
import dev.freshet.pipelines.kafka.ReplayCommand;
import dev.freshet.pipelines.kafka.TopicTail;
import dev.freshet.pipelines.serve.Prediction;
import dev.freshet.pipelines.serve.ServeCommand;
import dev.freshet.pipelines.train.TrainCommand;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudSummary;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PipelineOptionsValidator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code freshet run}: the main job end to end on one machine. Starts an in-process Kafka broker
 * (unless {@code --bootstrapServers} names one), creates the topics, trains a model on the
 * committed fraud sample, starts {@code serve}, replays a freshly generated stream in event-time
 * order at an accelerated clock, reads the predictions back and prints what happened. Stops
 * everything it started before it returns.
 */
public final class LocalRunCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static final int PARTITIONS = 2;

  private LocalRunCommand() {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(RunOptions.class);
    PipelineOptionsFactory.register(TrainOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: freshet run [--runner=DirectRunner|FlinkRunner] [--option=value ...]");
      out.println(
          "Runs the main job end to end: Kafka (in-process unless --bootstrapServers is given),");
      out.println(
          "train on the fraud sample, serve, replay a fresh generated stream, print a summary.");
      out.println(
          "The options of freshet train (--epochs, --hiddenLayers, ...) apply to its training.");
      out.println();
      PipelineOptionsFactory.printHelp(out, RunOptions.class);
      return 0;
    }
    String runId = RUN_ID.format(Instant.now());
    List<String> all = new ArrayList<>(Arrays.asList(ServeCommand.withRunnerDefaults(args)));
    RunOptions options =
        PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(RunOptions.class);
    if (options.getDomain() != Domain.FRAUD) {
      throw new IllegalArgumentException(
          "--domain="
              + options.getDomain()
              + ": freshet run replays the fraud generator; use FRAUD (or serve and replay"
              + " your own data with freshet serve and freshet replay)");
    }
    Path work = Path.of(options.getWorkDir() != null ? options.getWorkDir() : "out/runs/" + runId);
    Files.createDirectories(work);
    if (all.stream().noneMatch(a -> a.startsWith("--registry="))) {
      all.add("--registry=" + work.resolve("registry"));
    }
    if (all.stream().noneMatch(a -> a.startsWith("--startOffset="))) {
      all.add("--startOffset=EARLIEST");
    }
    if (all.stream().noneMatch(a -> a.startsWith("--consumerGroup="))) {
      all.add("--consumerGroup=freshet-run-" + runId);
    }

    long t0 = System.nanoTime();
    EmbeddedKafka embedded = null;
    if (options.getBootstrapServers() == null) {
      out.println("[1/5] Kafka: starting an in-process broker (KRaft)...");
      embedded = EmbeddedKafka.start();
      all.add("--bootstrapServers=" + embedded.bootstrapServers());
      out.printf("      broker at %s, ready in %.1f s%n", embedded.bootstrapServers(), seconds(t0));
    } else {
      out.printf("[1/5] Kafka: using %s%n", options.getBootstrapServers());
    }
    try {
      RunOptions resolved =
          PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(RunOptions.class);
      PipelineOptionsValidator.validate(RunOptions.class, resolved);
      return execute(resolved, all, work, out, t0);
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private static int execute(
      RunOptions options, List<String> args, Path work, PrintStream out, long t0) throws Exception {
    FeatureSpec spec = FeaturesCommand.loadSpec(options);
    String servers = options.getBootstrapServers();
    List<String> topics =
        List.of(
            options.getEventsTopic(),
            options.getOutcomesTopic(),
            options.getPredictionsTopic(),
            options.getDeadLettersTopic(),
            options.getModelEventsTopic());
    // The run replays past events; topics it creates keep them whatever their age.
    KafkaTopics.create(servers, PARTITIONS, topics, KafkaTopics.KEEP_REGARDLESS_OF_AGE);
    out.printf(
        "      topics %s (%d partitions, retention.ms=-1 where created); work dir %s%n",
        String.join(", ", topics), PARTITIONS, work);

    out.printf(
        "%n[2/5] train: the fraud sample (20,000 payments, seed 42) -> %s%n",
        options.getRegistry());
    List<String> trainArgs = new ArrayList<>(args);
    trainArgs.add("--positiveClassWeight=5");
    TrainOptions train =
        PipelineOptionsFactory.fromArgs(trainArgs.toArray(new String[0])).as(TrainOptions.class);
    TrainCommand.train(train, indented(out));

    boolean flink = options.getRunner() == FlinkRunner.class;
    long replayEvents =
        (long)
            positiveOrDefault("--replayEvents", options.getReplayEvents(), flink ? 20_000 : 1_000);
    double speedup = positiveOrDefault("--speedup", options.getSpeedup(), flink ? 10_000 : 200);
    out.printf("%n[3/5] generate the stream to replay (seed %d)...%n", options.getStreamSeed());
    FraudGenerator generator =
        FraudGenerator.builder()
            .seed(options.getStreamSeed())
            .events(replayEvents)
            .eventsPerSecond(0.1)
            .start(FraudGenerator.DEFAULT_START.plus(Duration.ofDays(3)))
            .build();
    Path stream = work.resolve("stream");
    FraudSummary summary = GenerateFraud.write(generator, stream, GenerateFraud.Format.jsonl, null);
    Path eventsFile = stream.resolve(GenerateFraud.eventsFile(GenerateFraud.Format.jsonl));
    Path outcomesFile = stream.resolve(GenerateFraud.outcomesFile(GenerateFraud.Format.jsonl));
    out.printf(
        "      %,d payments (%.1f%% fraud), %,d chargebacks, %s .. %s, drift onset %s%n",
        summary.events(),
        100 * summary.fraudRate(),
        summary.chargebacks(),
        summary.firstEventTime(),
        summary.lastEventTime(),
        summary.driftOnset() == null ? "none" : summary.driftOnset());

    out.println("\n[4/5] serve: starting...");
    PipelineResult serving = ServeCommand.start(options, indented(out));
    RunReport report = new RunReport(spec.events().name());
    long eventsIn;
    try (TopicTail tail =
        TopicTail.of(
            servers, List.of(options.getPredictionsTopic(), options.getDeadLettersTopic()))) {
      Consumer<ConsumerRecord<String, String>> sink =
          r -> {
            if (r.topic().equals(options.getPredictionsTopic())) {
              report.prediction(Prediction.parse(r.value()), System.currentTimeMillis());
            } else {
              JsonNode dead = readTree(r.value());
              report.deadLetter(dead.path("source").asText("?"), dead.path("reason").asText("?"));
            }
          };
      // Serve is live once the deliberately malformed records come back as dead letters.
      String first = Files.newBufferedReader(eventsFile).readLine();
      Map<?, String> malformed = MalformedRecords.of(spec.events(), first);
      long liveStart = System.nanoTime();
      sendRaw(servers, options.getEventsTopic(), eventTime(first), malformed.values());
      if (!tail.pollUntil(() -> report.deadLetters() >= malformed.size(), START_TIMEOUT, sink)) {
        throw new IllegalStateException(
            "serve did not answer within "
                + START_TIMEOUT.toSeconds()
                + " s: no dead letters came back for the "
                + malformed.size()
                + " malformed records sent to "
                + options.getEventsTopic());
      }
      out.printf(
          "      live after %.1f s: %d malformed records sent first came back as dead letters%n",
          seconds(liveStart), malformed.size());

      out.printf(
          "%n[5/5] replay: %,d payments and their chargebacks at %,.0fx stream time (the"
              + " chargebacks after the last payment unpaced)%n",
          summary.events(), speedup);
      ReplayCommand replay =
          ReplayCommand.of(eventsFile, outcomesFile, servers, "card_id", speedup)
              .toTopics(options.getEventsTopic(), options.getOutcomesTopic())
              .until(streamEnd(summary, spec))
              .unpacedAfter(summary.lastEventTime());
      AtomicReference<Throwable> replayError = new AtomicReference<>();
      AtomicLong streamTime = new AtomicLong();
      Thread producer =
          new Thread(
              () -> {
                try {
                  replay.replay(
                      new PrintStream(PrintStream.nullOutputStream()),
                      (record, wall) -> {
                        streamTime.set(record.timeMillis());
                        if (record.topic().equals(options.getEventsTopic())) {
                          report.sent(readTree(record.json()).get("event_id").asText(), wall);
                        }
                      });
                } catch (Exception | Error e) {
                  replayError.set(e);
                }
              },
              "freshet-replay");
      long replayStart = System.nanoTime();
      producer.start();
      long nextProgress = System.nanoTime();
      long drainDeadline = Long.MAX_VALUE;
      while (true) {
        tail.poll(sink);
        boolean replaying = producer.isAlive();
        if (!replaying && drainDeadline == Long.MAX_VALUE) {
          drainDeadline = System.nanoTime() + options.getDrainSeconds() * 1_000_000_000L;
        }
        boolean complete =
            !replaying
                && report.predictions() >= report.sent()
                && report.deadLetters() >= malformed.size();
        if (System.nanoTime() >= nextProgress || complete) {
          out.printf(
              "  %6.1f s  stream %s  sent %,7d  predictions %,7d  dead letters %d  p99 %s ms%n",
              seconds(replayStart),
              streamTime.get() == 0 ? "-" : Instant.ofEpochMilli(streamTime.get()),
              report.sent(),
              report.predictions(),
              report.deadLetters(),
              Double.isNaN(report.p99Millis()) ? "-" : String.format("%.0f", report.p99Millis()));
          nextProgress = System.nanoTime() + 2_000_000_000L;
        }
        if (complete || System.nanoTime() > drainDeadline) {
          break;
        }
      }
      if (replayError.get() != null) {
        throw new IllegalStateException("replay failed: " + replayError.get(), replayError.get());
      }
      if (report.predictions() < report.sent()) {
        out.printf(
            "%nstopped waiting %d s after the replay with %,d predictions missing; serve's"
                + " counters: %s%n",
            options.getDrainSeconds(),
            report.sent() - report.predictions(),
            FeaturesCommand.counters(serving));
      }
      // Catch late duplicates before judging.
      tail.pollUntil(() -> false, Duration.ofSeconds(1), sink);
      eventsIn = report.sent() + malformed.size();
    } finally {
      serving.cancel();
    }

    out.printf("%n=== summary (%.1f s in all) ===%n", seconds(t0));
    report.print(out, eventsIn);
    Map<String, Long> outcomes = outcomeTimes(outcomesFile);
    BinaryMetrics quality =
        report.quality(
            outcomes, spec.labelWindow().getMillis(), streamEnd(summary, spec).toEpochMilli());
    if (quality.positives() == 0 || quality.positives() == quality.examples()) {
      out.printf(
          "model quality: not measurable (%,d labelled events, %,d positive)%n",
          quality.examples(), quality.positives());
    } else {
      out.printf(
          "model quality on the labels seen (every replayed payment's %s window closed): NE %.4f,"
              + " AUC %.4f, log loss %.4f (%,d events, %,d positive)%n",
          hours(spec),
          quality.normalizedEntropy(),
          quality.auc(),
          quality.logLoss(),
          quality.examples(),
          quality.positives());
    }
    out.printf("registry %s; stream files %s%n", options.getRegistry(), work.resolve("stream"));
    return report.balanced(eventsIn) ? 0 : 1;
  }

  private static Map<String, Long> outcomeTimes(Path outcomesFile) throws IOException {
    Map<String, Long> times = new HashMap<>();
    for (String line : Files.readAllLines(outcomesFile)) {
      JsonNode n = readTree(line);
      if (n.path("label").asBoolean(true)) {
        times.put(
            n.get("event_id").asText(),
            Instant.parse(n.get("outcome_time").asText()).toEpochMilli());
      }
    }
    return times;
  }

  private static void sendRaw(
      String servers, String topic, long timestamp, Iterable<String> values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                servers,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                1 << 20),
            new StringSerializer(),
            new StringSerializer())) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(topic, null, timestamp, "malformed", v));
      }
    }
  }

  private static long eventTime(String json) {
    return Instant.parse(readTree(json).get("event_time").asText()).toEpochMilli();
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PrintStream indented(PrintStream out) {
    return new PrintStream(out, true) {
      @Override
      public PrintStream printf(String format, Object... args) {
        return super.printf("      " + format, args);
      }

      @Override
      public void println(String s) {
        super.println("      " + s);
      }
    };
  }

  private static double positiveOrDefault(String option, double value, double fallback) {
    if (value < 0) {
      throw new IllegalArgumentException(
          option + " must be positive (or 0 for the runner's default), got " + value);
    }
    return value == 0 ? fallback : value;
  }

  /**
   * The replay goes on after the last payment until its label window closed, so every replayed
   * payment's label is seen (those chargebacks are sent unpaced: no payments are left to score).
   */
  private static Instant streamEnd(FraudSummary summary, FeatureSpec spec) {
    return summary.lastEventTime().plusMillis(spec.labelWindow().getMillis());
  }

  private static String hours(FeatureSpec spec) {
    return spec.labelWindow().getStandardHours() + " h";
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
