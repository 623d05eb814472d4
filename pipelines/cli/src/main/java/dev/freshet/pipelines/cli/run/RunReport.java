package dev.freshet.pipelines.cli.run;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.pipelines.predictions.Prediction;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;

/**
 * What the local run saw on the output topics: predictions (latency from send to consumption, per
 * model version, scores for the quality check) and dead letters by reason.
 */
final class RunReport {
  private final Map<String, Long> sentAtMillis = new ConcurrentHashMap<>();
  private final Map<String, Prediction> predictions = new ConcurrentHashMap<>();
  private final Map<String, Long> perVersion = new TreeMap<>();
  private final Map<String, Long> deadByReason = new TreeMap<>();
  private final Histogram latencyMillis = new Histogram(3_600_000L, 3);

  /** Latency of the predictions since {@link #takeRecentP99Millis} last asked. */
  private final Histogram recentLatencyMillis = new Histogram(3_600_000L, 3);

  private final String eventSource;
  private long duplicates;
  private long unmatched;
  private long deadLetters;
  private long servedUpTo;

  /** A report where dead letters from {@code eventSource} are the events' own. */
  RunReport(String eventSource) {
    this.eventSource = eventSource;
  }

  void sent(String eventId, long wallMillis) {
    sentAtMillis.put(eventId, wallMillis);
  }

  long sent() {
    return sentAtMillis.size();
  }

  /** Records a prediction read back; returns false for a duplicate (not counted again). */
  synchronized boolean prediction(Prediction p, long consumedAtMillis) {
    if (predictions.putIfAbsent(p.eventId(), p) != null) {
      duplicates++;
      return false;
    }
    perVersion.merge(p.modelVersion(), 1L, Long::sum);
    servedUpTo = Math.max(servedUpTo, p.eventTimeMillis());
    Long sentAt = sentAtMillis.get(p.eventId());
    if (sentAt == null) {
      unmatched++;
    } else {
      long latency = Math.max(0, consumedAtMillis - sentAt);
      latencyMillis.recordValue(latency);
      recentLatencyMillis.recordValue(latency);
    }
    return true;
  }

  /** A dead letter; only those of the events' source count against the events. */
  synchronized void deadLetter(String source, String reason) {
    if (source.equals(eventSource)) {
      deadLetters++;
    }
    deadByReason.merge(source + " " + reason, 1L, Long::sum);
  }

  /** The latest event time among the predictions consumed (0 before the first). */
  synchronized long servedUpTo() {
    return servedUpTo;
  }

  synchronized long predictions() {
    return predictions.size();
  }

  /** Dead letters of the events (not of outcomes or labels). */
  synchronized long deadLetters() {
    return deadLetters;
  }

  synchronized long duplicates() {
    return duplicates;
  }

  synchronized double p50Millis() {
    return latencyMillis.getTotalCount() == 0 ? Double.NaN : latencyMillis.getValueAtPercentile(50);
  }

  /** The p99 latency of the predictions since the last call (NaN: none), and starts anew. */
  synchronized double takeRecentP99Millis() {
    double p99 =
        recentLatencyMillis.getTotalCount() == 0
            ? Double.NaN
            : recentLatencyMillis.getValueAtPercentile(99);
    recentLatencyMillis.reset();
    return p99;
  }

  synchronized double p99Millis() {
    return latencyMillis.getTotalCount() == 0 ? Double.NaN : latencyMillis.getValueAtPercentile(99);
  }

  /** A prediction with the label it got. */
  record Labelled(Prediction prediction, boolean label) {}

  /**
   * The predictions whose label was seen by {@code streamEnd}: a chargeback within the label window
   * (positive), or the window closed without one (negative); in event-time order.
   */
  List<Labelled> labelled(Map<String, Long> outcomeTimes, long labelWindowMillis, long streamEnd) {
    List<Labelled> labelled = new ArrayList<>();
    for (Prediction p : predictions.values()) {
      Long outcome = outcomeTimes.get(p.eventId());
      boolean positive =
          outcome != null
              && outcome <= streamEnd
              && outcome <= p.eventTimeMillis() + labelWindowMillis;
      if (positive || p.eventTimeMillis() + labelWindowMillis <= streamEnd) {
        labelled.add(new Labelled(p, positive));
      }
    }
    labelled.sort(Comparator.comparingLong(l -> l.prediction().eventTimeMillis()));
    return labelled;
  }

  /** Quality of the served scores on {@link #labelled} predictions. */
  static BinaryMetrics quality(List<Labelled> labelled) {
    BinaryMetricsAccumulator acc = BinaryMetricsAccumulator.create();
    labelled.forEach(l -> acc.add(l.prediction().score(), l.label()));
    return acc.result();
  }

  synchronized void print(PrintStream out, long eventsIn) {
    long valid = predictions.size();
    out.printf("events in            %,d%n", eventsIn);
    out.printf(
        "predictions out     %,d%s%n",
        valid, duplicates > 0 ? String.format(" (and %,d DUPLICATES)", duplicates) : "");
    out.printf("dead letters        %,d of the events (by source and reason:)%n", deadLetters);
    deadByReason.forEach((reason, n) -> out.printf("  %-36s %,d%n", reason, n));
    boolean balanced = eventsIn == valid + deadLetters && duplicates == 0;
    out.printf(
        "in = predictions + dead letters: %,d = %,d + %,d  %s%n",
        eventsIn, valid, deadLetters, balanced ? "OK" : "MISMATCH");
    out.println("predictions per model version:");
    perVersion.forEach((v, n) -> out.printf("  %-36s %,d%n", v, n));
    if (latencyMillis.getTotalCount() > 0) {
      out.printf(
          "latency, sent -> prediction consumed (ms, %,d events): p50 %d  p95 %d  p99 %d  max %d%n",
          latencyMillis.getTotalCount(),
          latencyMillis.getValueAtPercentile(50),
          latencyMillis.getValueAtPercentile(95),
          latencyMillis.getValueAtPercentile(99),
          latencyMillis.getMaxValue());
    }
    if (unmatched > 0) {
      out.printf("(%,d predictions for events this run did not send)%n", unmatched);
    }
  }

  synchronized boolean balanced(long eventsIn) {
    return eventsIn == predictions.size() + deadLetters && duplicates == 0;
  }
}
