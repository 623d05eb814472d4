package dev.freshet.pipelines.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.evaluation.Routing;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.TrainJob;
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
import java.util.Optional;
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

  /** The generated history the first model is trained on: no new fraud pattern in it. */
  private static final long HISTORY_SEED = 42;

  private static final long HISTORY_EVENTS = 20_000;

  /** Payments per second of stream time, in the history and the replayed stream. */
  private static final double EVENTS_PER_SECOND = 0.1;

  /**
   * The loop's defaults in the run. Shadow routing: the challenger scores every event and the
   * online gate compares both versions on the same traffic. A wider offline margin: the smoke-test
   * set predates the new fraud pattern, and a copy that learns it gives up some NE on the old data
   * (measured: 15-25% on the smoke test while better online); the offline gate still refuses broken
   * and badly miscalibrated copies, and the online gate judges the rest.
   */
  private static final List<String> LOOP_DEFAULTS =
      List.of("--routing=" + Routing.SHADOW, "--maxNeRegression=0.5");

  private static final long PROGRESS_NANOS = 10_000_000_000L;
  private static final int SCORING_BATCH = 1024;
  private static final int CHART_SLICES = 30;

  private LocalRunCommand() {}

  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(RunOptions.class);
    PipelineOptionsFactory.register(TrainOptions.class);
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: freshet run [--runner=FlinkRunner|DirectRunner] [--option=value ...]");
      out.println(
          "Runs the main job end to end: Kafka (in-process unless --bootstrapServers is given),");
      out.println(
          "train on a history without the new fraud pattern, serve, learn (the continual loop:");
      out.println(
          "candidates, offline and online gates, promotions), replay a fresh stream in which the");
      out.println(
          "new pattern appears, print each decision and a summary, and chart online NE (PNG).");
      out.println(
          "The runner defaults to the embedded Flink mini-cluster (the direct runner sustains");
      out.println("about 20 payments/s, too few for the loop); --loop=false runs serve alone.");
      out.println(
          "The options of freshet train (--epochs, --hiddenLayers, ...) apply to its training,");
      out.println("those of freshet serve and freshet learn to those pipelines.");
      out.println();
      PipelineOptionsFactory.printHelp(out, RunOptions.class);
      return 0;
    }
    String runId = RUN_ID.format(Instant.now());
    List<String> given = new ArrayList<>(Arrays.asList(args));
    if (given.stream().noneMatch(a -> a.startsWith("--runner="))) {
      given.add("--runner=FlinkRunner");
    }
    List<String> all =
        new ArrayList<>(Arrays.asList(Launcher.withRunnerDefaults(given.toArray(new String[0]))));
    RunOptions options =
        PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(RunOptions.class);
    if (options.getLoop()) {
      all = withDefaults(all, LOOP_DEFAULTS);
    }
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
    FeatureSpec spec = Specs.load(options);
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

    Path history = work.resolve("history");
    FraudSummary trained =
        GenerateFraud.write(
            FraudGenerator.builder()
                .seed(HISTORY_SEED)
                .events(HISTORY_EVENTS)
                .eventsPerSecond(EVENTS_PER_SECOND)
                .driftAt(-1)
                .build(),
            history,
            GenerateFraud.Format.jsonl,
            null);
    out.printf(
        "%n[2/5] train: a history of %,d payments (seed %d, %s .. %s) without the fraud pattern"
            + " that appears later -> %s%n",
        trained.events(),
        HISTORY_SEED,
        trained.firstEventTime(),
        trained.lastEventTime(),
        options.getRegistry());
    List<String> trainArgs = new ArrayList<>(args);
    trainArgs.add("--positiveClassWeight=5");
    trainArgs.add(
        "--events=" + history.resolve(GenerateFraud.eventsFile(GenerateFraud.Format.jsonl)));
    trainArgs.add(
        "--outcomes=" + history.resolve(GenerateFraud.outcomesFile(GenerateFraud.Format.jsonl)));
    TrainOptions train =
        PipelineOptionsFactory.fromArgs(trainArgs.toArray(new String[0])).as(TrainOptions.class);
    TrainJob.train(train, indented(out));
    String first = ModelRegistry.at(options.getRegistry()).production().orElseThrow();

    boolean flink = options.getRunner() == FlinkRunner.class;
    long replayEvents =
        (long)
            positiveOrDefault(
                "--replayEvents",
                options.getReplayEvents(),
                !flink ? 1_000 : options.getLoop() ? 150_000 : 20_000);
    double speedup = positiveOrDefault("--speedup", options.getSpeedup(), flink ? 10_000 : 200);
    out.printf("%n[3/5] generate the stream to replay (seed %d)...%n", options.getStreamSeed());
    FraudGenerator generator =
        FraudGenerator.builder()
            .seed(options.getStreamSeed())
            .events(replayEvents)
            .eventsPerSecond(EVENTS_PER_SECOND)
            .start(FraudGenerator.DEFAULT_START.plus(Duration.ofDays(3)))
            .driftAt(options.getDriftAt() < 0 ? -1 : options.getDriftAt())
            .build();
    Path stream = work.resolve("stream");
    FraudSummary summary = GenerateFraud.write(generator, stream, GenerateFraud.Format.jsonl, null);
    Path eventsFile = stream.resolve(GenerateFraud.eventsFile(GenerateFraud.Format.jsonl));
    Path outcomesFile = stream.resolve(GenerateFraud.outcomesFile(GenerateFraud.Format.jsonl));
    out.printf(
        "      %,d payments (%.1f%% fraud), %,d chargebacks, %s .. %s, new fraud pattern from %s%n",
        summary.events(),
        100 * summary.fraudRate(),
        summary.chargebacks(),
        summary.firstEventTime(),
        summary.lastEventTime(),
        summary.driftOnset() == null ? "nowhere (--driftAt < 0)" : summary.driftOnset());

    out.printf(
        "%n[4/5] serve%s: starting...%n",
        options.getLoop() ? " (routing " + options.getRouting() + ") and learn" : "");
    List<String> running = sideBySide(args, flink);
    PipelineResult serving =
        ServeJob.start(
            PipelineOptionsFactory.fromArgs(running.toArray(new String[0])).as(RunOptions.class),
            indented(out));
    PipelineResult learning = null;
    RunReport report = new RunReport(spec.events().name());
    LoopReport loop = new LoopReport(first);
    AtomicLong streamTime = new AtomicLong();
    AtomicLong replayStart = new AtomicLong(System.nanoTime());
    AtomicLong driftSeen = new AtomicLong();
    long eventsIn;
    try (TopicTail tail =
        TopicTail.of(
            servers,
            List.of(
                options.getPredictionsTopic(),
                options.getDeadLettersTopic(),
                options.getModelEventsTopic()))) {
      if (options.getLoop()) {
        learning = LearnJob.start(learnOptions(running), indented(out));
      }
      Consumer<ConsumerRecord<String, String>> sink =
          r -> {
            if (r.topic().equals(options.getPredictionsTopic())) {
              report.prediction(Prediction.parse(r.value()), System.currentTimeMillis());
            } else if (r.topic().equals(options.getModelEventsTopic())) {
              // Where the served stream was (not the replay): serve may lag behind the replay.
              loop.record(
                      ModelEvent.parse(r.value()),
                      (System.nanoTime() - replayStart.get()) / 1_000_000,
                      report.servedUpTo() > 0 ? report.servedUpTo() : streamTime.get())
                  .ifPresent(out::println);
            } else {
              JsonNode dead = readTree(r.value());
              report.deadLetter(dead.path("source").asText("?"), dead.path("reason").asText("?"));
            }
          };
      // Serve is live once the deliberately malformed records come back as dead letters.
      String firstEvent = Files.newBufferedReader(eventsFile).readLine();
      Map<?, String> malformed = MalformedRecords.of(spec.events(), firstEvent);
      long liveStart = System.nanoTime();
      sendRaw(servers, options.getEventsTopic(), eventTime(firstEvent), malformed.values());
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
          "%n[5/5] replay: %,d payments and their chargebacks at %,.0fx stream time (%,.0f"
              + " payments/s; the chargebacks after the last payment unpaced)%s%n",
          summary.events(),
          speedup,
          speedup * EVENTS_PER_SECOND,
          options.getLoop() ? "; the loop's decisions as they are announced:" : "");
      ReplayCommand replay =
          ReplayCommand.of(eventsFile, outcomesFile, servers, "card_id", speedup)
              .toTopics(options.getEventsTopic(), options.getOutcomesTopic())
              .until(streamEnd(summary, spec))
              .unpacedAfter(summary.lastEventTime());
      long onset =
          summary.driftOnset() == null ? Long.MAX_VALUE : summary.driftOnset().toEpochMilli();
      AtomicReference<Throwable> replayError = new AtomicReference<>();
      Thread producer =
          new Thread(
              () -> {
                try {
                  replay.replay(
                      new PrintStream(PrintStream.nullOutputStream()),
                      (record, wall) -> {
                        streamTime.set(record.timeMillis());
                        if (record.timeMillis() >= onset && driftSeen.get() == 0) {
                          driftSeen.set(System.nanoTime());
                          out.printf(
                              "  [%6.1f s | stream %s] the new fraud pattern starts%n",
                              (driftSeen.get() - replayStart.get()) / 1e9, summary.driftOnset());
                        }
                        if (record.topic().equals(options.getEventsTopic())) {
                          report.sent(readTree(record.json()).get("event_id").asText(), wall);
                        }
                      });
                } catch (Exception | Error e) {
                  replayError.set(e);
                }
              },
              "freshet-replay");
      replayStart.set(System.nanoTime());
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
              "  %6.1f s  stream %s  sent %,7d  predictions %,7d  dead letters %d  p99 %s ms%s%n",
              seconds(replayStart.get()),
              streamTime.get() == 0 ? "-" : Instant.ofEpochMilli(streamTime.get()),
              report.sent(),
              report.predictions(),
              report.deadLetters(),
              Double.isNaN(report.p99Millis()) ? "-" : String.format("%.0f", report.p99Millis()),
              options.getLoop() ? "  production " + loop.name(loop.production()) : "");
          nextProgress = System.nanoTime() + PROGRESS_NANOS;
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
            Launcher.counters(serving));
      }
      // Catch late duplicates (and the loop's last announcements) before judging.
      tail.pollUntil(() -> false, Duration.ofSeconds(options.getLoop() ? 3 : 1), sink);
      eventsIn = report.sent() + malformed.size();
    } finally {
      if (learning != null) {
        stop(learning);
      }
      stop(serving);
    }

    out.printf("%n=== summary (%.1f s in all) ===%n", seconds(t0));
    report.print(out, eventsIn);
    List<RunReport.Labelled> labelled =
        report.labelled(
            outcomeTimes(outcomesFile),
            spec.labelWindow().getMillis(),
            streamEnd(summary, spec).toEpochMilli());
    BinaryMetrics quality = RunReport.quality(labelled);
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
      if (options.getLoop()) {
        summarizeLoop(
            options, spec, first, summary, labelled, loop, driftSeen.get(), replayStart, work, out);
      }
    }
    out.printf("registry %s; stream files %s%n", options.getRegistry(), work.resolve("stream"));
    return report.balanced(eventsIn) ? 0 : 1;
  }

  /**
   * The loop's record: decisions, the iteration cycle (drift onset to the first promotion after
   * it), online NE of the served predictions against the static model before and after the onset,
   * and the chart.
   */
  private static void summarizeLoop(
      RunOptions options,
      FeatureSpec spec,
      String first,
      FraudSummary summary,
      List<RunReport.Labelled> labelled,
      LoopReport loop,
      long driftSeenNanos,
      AtomicLong replayStart,
      Path work,
      PrintStream out)
      throws Exception {
    out.printf("%n=== continual learning ===%n%s%n", loop.counts());
    out.printf(
        "production at the end: %s (%s); started as %s (%s)%n",
        loop.name(loop.production()), loop.production(), loop.name(first), first);
    List<LoopChart.Scored> scored = staticScores(options, spec, first, labelled);
    long from = scored.get(0).eventTimeMillis();
    long to = scored.get(scored.size() - 1).eventTimeMillis() + 1;
    Long onset = summary.driftOnset() == null ? null : summary.driftOnset().toEpochMilli();
    if (onset != null) {
      Optional<LoopReport.Decision> promoted = loop.firstPromotionAfter(onset);
      if (promoted.isPresent()) {
        LoopReport.Decision d = promoted.get();
        out.printf(
            "iteration cycle: new fraud pattern from %s -> %s promoted at stream %s: %.1f h of"
                + " stream time, %.1f s wall clock%n",
            summary.driftOnset(),
            loop.name(d.version()),
            Instant.ofEpochMilli(d.streamMillis()),
            (d.streamMillis() - onset) / 3_600_000.0,
            (d.wallMillis() - (driftSeenNanos - replayStart.get()) / 1_000_000) / 1000.0);
      } else {
        out.printf(
            "iteration cycle: no promotion after the new fraud pattern appeared (%s)%n",
            summary.driftOnset());
      }
    }
    out.printf(
        "online quality of the labelled predictions (static: %s scoring the same logged vectors):%n",
        loop.name(first));
    out.printf(
        "  %-34s %9s %9s %9s %9s%n", "", "served NE", "static NE", "served AUC", "static AUC");
    long quarter = to - (to - from) / 4;
    printRow(out, "whole stream", LoopChart.between(scored, from, to));
    if (onset != null) {
      printRow(out, "before the new pattern", LoopChart.between(scored, from, onset));
      printRow(out, "after it appeared", LoopChart.between(scored, onset, to));
    }
    printRow(out, "last quarter of the stream", LoopChart.between(scored, quarter, to));
    List<LoopChart.Slice> slices = LoopChart.slices(scored, CHART_SLICES);
    Path png = work.resolve("online-ne.png");
    LoopChart.writeCsv(work.resolve("online-ne.csv"), slices);
    LoopChart.writePng(png, slices, from, onset, loop.decisions(), loop.name(first), loop::name);
    out.printf("chart: %s (table: %s)%n", png, work.resolve("online-ne.csv"));
  }

  private static void printRow(PrintStream out, String name, BinaryMetrics[] servedAndStatic) {
    out.printf(
        "  %-34s %9.4f %9.4f %9.4f %9.4f  (%,d labelled, %,d positive)%n",
        name,
        servedAndStatic[0].normalizedEntropy(),
        servedAndStatic[1].normalizedEntropy(),
        servedAndStatic[0].auc(),
        servedAndStatic[1].auc(),
        servedAndStatic[0].examples(),
        servedAndStatic[0].positives());
  }

  /** The labelled predictions with the static model's score on the same logged vectors. */
  private static List<LoopChart.Scored> staticScores(
      RunOptions options, FeatureSpec spec, String first, List<RunReport.Labelled> labelled)
      throws Exception {
    List<LoopChart.Scored> scored = new ArrayList<>(labelled.size());
    try (LoadedModel model =
            ModelRegistry.at(options.getRegistry()).load(first, spec.fingerprint());
        Scorer scorer = Scorer.of(model.classifier())) {
      for (int i = 0; i < labelled.size(); i += SCORING_BATCH) {
        List<RunReport.Labelled> batch =
            labelled.subList(i, Math.min(labelled.size(), i + SCORING_BATCH));
        float[] scores =
            scorer.score(
                batch.stream().map(l -> l.prediction().features()).toArray(float[][]::new));
        for (int j = 0; j < scores.length; j++) {
          Prediction p = batch.get(j).prediction();
          scored.add(
              new LoopChart.Scored(
                  p.eventTimeMillis(), p.score(), scores[j], batch.get(j).label()));
        }
      }
    }
    return scored;
  }

  /**
   * Options for serve and learn running side by side: on Flink one task slot each unless {@code
   * --parallelism} is given (on 2 cores, parallelism 2 was slower for serve: its slots compete with
   * each other, the broker and the replay; docs/benchmarks/serve.md), and no defensive copies
   * between chained operators (Beam DoFns must not mutate their input).
   */
  private static List<String> sideBySide(List<String> args, boolean flink) {
    return flink ? withDefaults(args, List.of("--parallelism=1", "--fasterCopy=true")) : args;
  }

  /**
   * {@code given} plus each of {@code defaults} ({@code --name=value}) whose option is not given.
   */
  private static List<String> withDefaults(List<String> given, List<String> defaults) {
    List<String> all = new ArrayList<>(given);
    for (String d : defaults) {
      String name = d.substring(0, d.indexOf('=') + 1);
      if (given.stream().noneMatch(a -> a.startsWith(name))) {
        all.add(d);
      }
    }
    return all;
  }

  /** Learn's options: those given to the run, with a consumer group of its own. */
  private static LearnOptions learnOptions(List<String> args) {
    List<String> learn = new ArrayList<>();
    for (String a : args) {
      learn.add(a.startsWith("--consumerGroup=") ? a + "-learn" : a);
    }
    return LearnJob.parse(learn.toArray(new String[0]));
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

  /**
   * Cancels a job and waits (at most 15 s) until it has stopped, so that what its tasks print while
   * they are torn down comes before the summary rather than in the middle of it.
   */
  private static void stop(PipelineResult job) throws IOException, InterruptedException {
    job.cancel();
    // Flink's detached result polls only every --jobCheckIntervalInSecs (5 s); ask more often.
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (job.getState().isTerminal()) {
          return;
        }
      } catch (IllegalStateException e) {
        // An embedded Flink cluster started for a detached job shuts down with the job.
        return;
      }
      Thread.sleep(100);
    }
  }
}
