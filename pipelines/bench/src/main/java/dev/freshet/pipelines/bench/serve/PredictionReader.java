package dev.freshet.pipelines.bench.serve;

import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the predictions topic on its own thread and attributes each prediction to the phase of its
 * event (matched by event id); also notes when a watched model version first appears and counts the
 * predictions of a throughput window.
 */
final class PredictionReader implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final Map<String, Due> pending = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String watchedVersion;
  volatile long versionSeenNanos;
  private long totalReceived;
  private long lastNanos;
  private boolean windowArmed;
  private long windowStartNanos;
  private long windowStartCount;

  private record Due(Phase phase, long nanos, long sentMillis) {}

  PredictionReader(KafkaClients kafka, String topic) {
    consumer =
        new KafkaConsumer<>(
            kafka.config(
                Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "freshet-bench-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    "false",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    KafkaTopics.READ_COMMITTED)),
            new StringDeserializer(),
            new StringDeserializer());
    consumer.subscribe(List.of(topic));
    thread = new Thread(this::loop, "bench-prediction-reader");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void expect(Phase phase, String id, long dueNanos, long sentMillis) {
    phase.sent.incrementAndGet();
    pending.put(id, new Due(phase, dueNanos, sentMillis));
  }

  long outstanding() {
    return pending.size();
  }

  /** Notes when the next prediction (of any phase) with version {@code version} arrives. */
  void watchVersion(String version) {
    versionSeenNanos = 0;
    watchedVersion = version;
  }

  /** Starts a throughput window at the next prediction, whichever event it is for. */
  synchronized void armWindow() {
    windowArmed = true;
    windowStartNanos = 0;
  }

  /**
   * Predictions per second from the first prediction after {@link #armWindow} to the latest one,
   * counting every prediction in between (the first excluded): {@code [rate, count, seconds]}.
   */
  synchronized double[] window() {
    if (windowStartNanos == 0 || lastNanos <= windowStartNanos) {
      return new double[] {0, 0, 0};
    }
    double seconds = (lastNanos - windowStartNanos) / 1e9;
    long count = totalReceived - windowStartCount;
    return new double[] {count / seconds, count, seconds};
  }

  private void loop() {
    try {
      while (running) {
        var records = consumer.poll(Duration.ofMillis(100));
        long now = System.nanoTime();
        for (ConsumerRecord<String, String> r : records) {
          Due due = r.key() == null ? null : pending.remove(r.key());
          if (due == null) {
            continue;
          }
          due.phase.record(r, now, due.nanos, due.sentMillis);
          String watched = watchedVersion;
          if (watched != null
              && versionSeenNanos == 0
              && r.value().contains("\"model_version\":\"" + watched + "\"")) {
            versionSeenNanos = now;
          }
          synchronized (this) {
            totalReceived++;
            lastNanos = now;
            if (windowArmed && windowStartNanos == 0) {
              windowStartNanos = now;
              windowStartCount = totalReceived;
            }
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      // Not waiting any longer for the consumer to close; the caller still sees the interrupt.
      Thread.currentThread().interrupt();
    }
  }
}
