package dev.freshet.pipelines.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.EventSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What {@code freshet run} reads back while serve (and learn) run: predictions and dead letters
 * into a {@link RunReport}, model events into a {@link LoopReport}, whose decisions are printed as
 * they arrive. It waits until serve is live, then replays the stream on a thread of its own and
 * prints progress until every payment sent has its prediction or the drain gives up.
 */
final class ReplayWatch {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static final long PROGRESS_NANOS = 10_000_000_000L;

  private final RunOptions options;
  private final RunReport report;
  private final LoopReport loop;
  private final PrintStream out;

  /** How far the replay has got in stream time (0 before the first record). */
  private final AtomicLong streamTime = new AtomicLong();

  private final AtomicLong replayStart = new AtomicLong(System.nanoTime());

  /** When the replay reached the new fraud pattern (0 before). */
  private final AtomicLong driftSeen = new AtomicLong();

  /** Told of each prediction read back, once per event. */
  private volatile Consumer<Prediction> onPrediction = p -> {};

  /** How many malformed records {@link #awaitLive} sent. */
  private int malformed;

  ReplayWatch(RunOptions options, RunReport report, LoopReport loop, PrintStream out) {
    this.options = options;
    this.report = report;
    this.loop = loop;
    this.out = out;
  }

  /** A tail of the topics this watch reads; close it when the watch is over. */
  TopicTail tail() {
    return TopicTail.of(
        KafkaClients.of(options).config(Map.of()),
        List.of(
            options.getPredictionsTopic(),
            options.getDeadLettersTopic(),
            options.getModelEventsTopic()));
  }

  /**
   * Sends serve malformed copies of the first payment in {@code events} and waits until they come
   * back as dead letters: then serve is live.
   */
  void awaitLive(TopicTail tail, EventSchema schema, Path events) throws IOException {
    String firstEvent;
    try (BufferedReader reader = Files.newBufferedReader(events)) {
      firstEvent = reader.readLine();
    }
    Map<?, String> records = MalformedRecords.of(schema, firstEvent);
    malformed = records.size();
    long liveStart = System.nanoTime();
    sendRaw(options.getEventsTopic(), eventTime(firstEvent), records.values());
    if (!tail.pollUntil(() -> report.deadLetters() >= malformed, START_TIMEOUT, this::accept)) {
      throw new IllegalStateException(
          "serve did not answer within "
              + START_TIMEOUT.toSeconds()
              + " s: no dead letters came back for the "
              + malformed
              + " malformed records sent to "
              + options.getEventsTopic());
    }
    out.printf(
        "      live after %.1f s: %d malformed records sent first came back as dead letters%n",
        LocalRunCommand.seconds(liveStart), malformed);
  }

  /**
   * Runs {@code replay} on a thread of its own and reads the outputs until every payment sent and
   * every malformed record is accounted for, or {@code --drainSeconds} after the replay ended;
   * {@code driftOnset} (null if none) is marked when the replay reaches it.
   */
  void replay(TopicTail tail, ReplayCommand replay, Instant driftOnset, PipelineResult serving)
      throws InterruptedException {
    AtomicReference<Throwable> replayError = new AtomicReference<>();
    Thread producer = producer(replay, driftOnset, replayError);
    replayStart.set(System.nanoTime());
    producer.start();
    long nextProgress = System.nanoTime();
    long drainDeadline = Long.MAX_VALUE;
    while (true) {
      tail.poll(this::accept);
      boolean replaying = producer.isAlive();
      if (!replaying && drainDeadline == Long.MAX_VALUE) {
        drainDeadline = System.nanoTime() + options.getDrainSeconds() * 1_000_000_000L;
      }
      boolean complete =
          !replaying && report.predictions() >= report.sent() && report.deadLetters() >= malformed;
      if (System.nanoTime() >= nextProgress || complete) {
        printProgress();
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
    tail.pollUntil(() -> false, Duration.ofSeconds(options.getLoop() ? 3 : 1), this::accept);
  }

  /** Tells {@code listener} of each prediction read back from now on, once per event. */
  void onPrediction(Consumer<Prediction> listener) {
    this.onPrediction = listener;
  }

  /** How far the replay has got in stream time (0 before the first record). */
  long streamTime() {
    return streamTime.get();
  }

  RunReport report() {
    return report;
  }

  LoopReport loop() {
    return loop;
  }

  /** The payments sent and the malformed records: what serve had to account for. */
  long eventsIn() {
    return report.sent() + malformed;
  }

  /** When the replay reached the new fraud pattern, in milliseconds after it started. */
  long driftSeenMillis() {
    return (driftSeen.get() - replayStart.get()) / 1_000_000;
  }

  /** The replay's thread: tracks stream time, marks the drift onset and records what it sent. */
  private Thread producer(
      ReplayCommand replay, Instant driftOnset, AtomicReference<Throwable> replayError) {
    long onset = driftOnset == null ? Long.MAX_VALUE : driftOnset.toEpochMilli();
    return new Thread(
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
                        (driftSeen.get() - replayStart.get()) / 1e9, driftOnset);
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
  }

  private void printProgress() {
    out.printf(
        "  %6.1f s  stream %s  sent %,7d  predictions %,7d  dead letters %d  p99 %s ms%s%n",
        LocalRunCommand.seconds(replayStart.get()),
        streamTime.get() == 0 ? "-" : Instant.ofEpochMilli(streamTime.get()),
        report.sent(),
        report.predictions(),
        report.deadLetters(),
        Double.isNaN(report.p99Millis()) ? "-" : String.format("%.0f", report.p99Millis()),
        options.getLoop() ? "  production " + loop.name(loop.production()) : "");
  }

  /** One record read back from predictions, model events or dead letters. */
  private void accept(ConsumerRecord<String, String> r) {
    if (r.topic().equals(options.getPredictionsTopic())) {
      Prediction p = Prediction.parse(r.value());
      if (report.prediction(p, System.currentTimeMillis())) {
        onPrediction.accept(p);
      }
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
  }

  private void sendRaw(String topic, long timestamp, Iterable<String> values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            KafkaClients.of(options)
                .config(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20)),
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
}
