package dev.freshet.pipelines.cli.page;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.pipelines.cli.page.PageState.NePoint;
import dev.freshet.pipelines.predictions.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Online NE over stream time, computed as labels settle: the chart {@code freshet run} draws at the
 * end, growing. A prediction waits until its label is known at the stream time given to {@link
 * #settle}: its outcome arrived (positive) or its label window closed without one (negative), the
 * rule of {@code RunReport.labelled}. Then it counts in the slice of stream time of its event, with
 * its served score and the static model's score on the same logged feature vector. Thread-safe.
 */
public final class OnlineNe {
  /** Scores feature vectors with the static model, a batch at a time. */
  public interface StaticScorer {
    float[] score(float[][] features);
  }

  private final long originMillis;
  private final long sliceMillis;
  private final long labelWindowMillis;
  private final Map<String, Long> outcomeTimes;
  private final StaticScorer staticModel;
  private final TreeMap<Long, BinaryMetricsAccumulator[]> slices = new TreeMap<>();
  private List<Prediction> pending = new ArrayList<>();
  private long labelled;

  /**
   * @param originMillis where the first slice starts in stream time
   * @param sliceMillis the width of a slice of stream time
   * @param outcomeTimes when each event's outcome became known, by event id (none: negative)
   */
  public OnlineNe(
      long originMillis,
      long sliceMillis,
      long labelWindowMillis,
      Map<String, Long> outcomeTimes,
      StaticScorer staticModel) {
    if (sliceMillis <= 0) {
      throw new IllegalArgumentException("sliceMillis must be positive, got " + sliceMillis);
    }
    this.originMillis = originMillis;
    this.sliceMillis = sliceMillis;
    this.labelWindowMillis = labelWindowMillis;
    this.outcomeTimes = outcomeTimes;
    this.staticModel = staticModel;
  }

  /** A prediction read back (once per event), waiting for its label. */
  public synchronized void add(Prediction p) {
    pending.add(p);
  }

  /** Labels the predictions whose label is known at {@code streamMillis} and counts them. */
  public synchronized void settle(long streamMillis) {
    List<Prediction> waiting = new ArrayList<>();
    List<Prediction> settled = new ArrayList<>();
    List<Boolean> labels = new ArrayList<>();
    for (Prediction p : pending) {
      Long outcome = outcomeTimes.get(p.eventId());
      long closes = p.eventTimeMillis() + labelWindowMillis;
      boolean positive = outcome != null && outcome <= streamMillis && outcome <= closes;
      if (positive || closes <= streamMillis) {
        settled.add(p);
        labels.add(positive);
      } else {
        waiting.add(p);
      }
    }
    pending = waiting;
    if (settled.isEmpty()) {
      return;
    }
    float[] scores =
        staticModel.score(settled.stream().map(Prediction::features).toArray(float[][]::new));
    for (int i = 0; i < settled.size(); i++) {
      Prediction p = settled.get(i);
      long slice = Math.floorDiv(p.eventTimeMillis() - originMillis, sliceMillis);
      BinaryMetricsAccumulator[] acc =
          slices.computeIfAbsent(
              slice,
              s ->
                  new BinaryMetricsAccumulator[] {
                    BinaryMetricsAccumulator.create(), BinaryMetricsAccumulator.create()
                  });
      acc[0].add(p.score(), labels.get(i));
      acc[1].add(scores[i], labels.get(i));
    }
    labelled += settled.size();
  }

  /** Labelled predictions counted so far. */
  public synchronized long labelled() {
    return labelled;
  }

  /** Predictions still waiting for their label. */
  public synchronized long pending() {
    return pending.size();
  }

  /** One point per slice with labelled predictions, in stream-time order. */
  public synchronized List<NePoint> points() {
    List<NePoint> points = new ArrayList<>();
    slices.forEach(
        (slice, acc) -> {
          BinaryMetrics served = acc[0].result();
          BinaryMetrics fixed = acc[1].result();
          long start = originMillis + slice * sliceMillis;
          points.add(
              new NePoint(
                  start,
                  start + sliceMillis,
                  served.examples(),
                  served.positives(),
                  definedOrNull(served),
                  definedOrNull(fixed)));
        });
    return points;
  }

  private static Double definedOrNull(BinaryMetrics m) {
    double ne = m.normalizedEntropy();
    return m.positives() == 0 || m.positives() == m.examples() || !Double.isFinite(ne) ? null : ne;
  }
}
