package dev.freshet.pipelines.freshness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * How often a policy really updated during a replay, in the stream's event time: the number of
 * updates, the median time between two consecutive updates and the median number of examples an
 * update trained on (new labels for a warm start, the trailing window for a retrain). Training
 * seeds do not change it: when a policy updates depends on the labels only.
 *
 * @param updates models produced
 * @param newLabels labels that became known during the evaluation (what updates could use)
 * @param firstUpdateMillis event time of the first update; null without updates
 * @param medianIntervalMillis median time between consecutive updates; null with fewer than two
 * @param medianExamplesPerUpdate null without updates
 */
public record Cadence(
    long updates,
    long newLabels,
    Long firstUpdateMillis,
    Long medianIntervalMillis,
    Long medianExamplesPerUpdate) {

  private static final long SECOND = 1_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  /**
   * The cadence of updates at {@code times} (event time, increasing) that trained on {@code
   * examples} each.
   */
  public static Cadence of(List<Long> times, List<Long> examples, long newLabels) {
    if (times.size() != examples.size()) {
      throw new IllegalArgumentException(
          times.size() + " update times but " + examples.size() + " example counts");
    }
    List<Long> intervals = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      intervals.add(times.get(i) - times.get(i - 1));
    }
    return new Cadence(
        times.size(),
        newLabels,
        times.isEmpty() ? null : times.get(0),
        median(intervals),
        median(examples));
  }

  /** The median of {@code values} (the mean of the middle two for an even count); null if none. */
  static Long median(List<Long> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int mid = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(mid)
        : Math.round((sorted.get(mid - 1) + (double) sorted.get(mid)) / 2);
  }

  /** The median interval as {@link #duration} text, {@code n/a} with fewer than two updates. */
  public String intervalText() {
    return medianIntervalMillis == null ? "n/a" : duration(medianIntervalMillis);
  }

  /** The median examples per update, {@code n/a} without updates. */
  public String examplesText() {
    return medianExamplesPerUpdate == null
        ? "n/a"
        : String.format(Locale.ROOT, "%,d", medianExamplesPerUpdate);
  }

  /**
   * A duration in the largest unit that fits, with one decimal and the units of feature specs:
   * {@code 9.8d}, {@code 1.0h}, {@code 45.0m}, {@code 30.0s}; a decimal point in every locale.
   */
  public static String duration(long millis) {
    long abs = Math.abs(millis);
    if (abs >= DAY) {
      return String.format(Locale.ROOT, "%.1fd", millis / (double) DAY);
    }
    if (abs >= HOUR) {
      return String.format(Locale.ROOT, "%.1fh", millis / (double) HOUR);
    }
    if (abs >= MINUTE) {
      return String.format(Locale.ROOT, "%.1fm", millis / (double) MINUTE);
    }
    return String.format(Locale.ROOT, "%.1fs", millis / (double) SECOND);
  }
}
