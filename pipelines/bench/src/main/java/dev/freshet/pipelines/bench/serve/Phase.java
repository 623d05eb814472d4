package dev.freshet.pipelines.bench.serve;

import dev.freshet.pipelines.predictions.Prediction;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** One phase's predictions: how many, their latencies, the last arrival and, if asked, vectors. */
final class Phase {
  final String name;
  final boolean keepVectors;
  final AtomicLong sent = new AtomicLong();
  final AtomicLong received = new AtomicLong();
  final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);

  /** Sent (wall clock) → scored ({@code scored_at_ms} of the prediction), in ms. */
  final Histogram untilScored = new Histogram(TimeUnit.MINUTES.toMillis(10), 2);

  final Map<String, float[]> vectors = new HashMap<>();
  volatile long lastNanos;

  Phase(String name, boolean keepVectors) {
    this.name = name;
    this.keepVectors = keepVectors;
  }

  /** Called on the reader thread. */
  void record(ConsumerRecord<String, String> r, long now, long dueNanos, long sentMillis) {
    long scoredAt = scoredAtMillis(r.value());
    synchronized (this) {
      histogram.recordValue(
          Math.min(histogram.getHighestTrackableValue(), Math.max(0, (now - dueNanos) / 1000)));
      if (scoredAt > 0) {
        untilScored.recordValue(
            Math.min(untilScored.getHighestTrackableValue(), Math.max(0, scoredAt - sentMillis)));
      }
      if (keepVectors) {
        vectors.put(r.key(), Prediction.parse(r.value()).features());
      }
    }
    lastNanos = now;
    received.incrementAndGet();
  }

  /** The prediction's {@code scored_at_ms}, read without parsing the whole record; 0 if absent. */
  private static long scoredAtMillis(String json) {
    String field = "\"scored_at_ms\":";
    int at = json.lastIndexOf(field);
    if (at < 0) {
      return 0;
    }
    long v = 0;
    for (int i = at + field.length(); i < json.length(); i++) {
      char c = json.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  synchronized RateResult summary(int rate, double sentRate) {
    return new RateResult(
        rate,
        false,
        sentRate,
        sent.get(),
        received.get(),
        histogram.getValueAtPercentile(50) / 1000.0,
        histogram.getValueAtPercentile(95) / 1000.0,
        histogram.getValueAtPercentile(99) / 1000.0,
        histogram.getMaxValue() / 1000.0,
        untilScored.getValueAtPercentile(50),
        untilScored.getValueAtPercentile(99),
        histogram.getTotalCount(),
        false,
        Double.NaN);
  }
}
