package dev.freshet.pipelines.freshness;

import dev.freshet.model.examples.Example;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.io.FileSystems;

/**
 * The labelled examples of a stream in event-time order, column by column (a few hundred bytes per
 * example, 3 million fit in well under a gigabyte): feature vector, event time, label and label
 * time (when the label became known). Read from the JSON lines that {@code TrainingExamples}
 * writes; one copy per JVM is shared by every policy replayed in it ({@link #load}), read-only.
 */
public final class StreamExamples {
  private static final Map<List<String>, StreamExamples> LOADED = new ConcurrentHashMap<>();

  private final float[][] features;
  private final long[] eventTimes;
  private final long[] labelTimes;
  private final float[] labels;
  private final int[] byLabelTime;

  /** Examples given in any order; they are sorted by event time, then id. */
  public StreamExamples(
      List<String> ids, float[][] features, long[] eventTimes, long[] labelTimes, float[] labels) {
    int n = features.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        Comparator.<Integer>comparingLong(i -> eventTimes[i]).thenComparing(i -> ids.get(i)));
    this.features = new float[n][];
    this.eventTimes = new long[n];
    this.labelTimes = new long[n];
    this.labels = new float[n];
    for (int k = 0; k < n; k++) {
      int i = order[k];
      this.features[k] = features[i];
      this.eventTimes[k] = eventTimes[i];
      this.labelTimes[k] = Math.max(labelTimes[i], eventTimes[i]);
      this.labels[k] = labels[i];
    }
    Integer[] byLabel = new Integer[n];
    for (int i = 0; i < n; i++) {
      byLabel[i] = i;
    }
    // Stable: equal label times keep event-time order.
    Arrays.sort(byLabel, Comparator.comparingLong(i -> this.labelTimes[i]));
    this.byLabelTime = Arrays.stream(byLabel).mapToInt(Integer::intValue).toArray();
  }

  /**
   * The examples in {@code files} (JSON lines with {@code event_id, event_time, label, label_time,
   * features}), read once per JVM and shared.
   */
  public static StreamExamples load(List<String> files) {
    List<String> key = files.stream().sorted().toList();
    return LOADED.computeIfAbsent(key, StreamExamples::read);
  }

  private static synchronized StreamExamples read(List<String> files) {
    List<String> ids = new ArrayList<>();
    List<float[]> features = new ArrayList<>();
    LongList eventTimes = new LongList();
    LongList labelTimes = new LongList();
    LongList labels = new LongList();
    for (String file : files) {
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(
                  Channels.newInputStream(
                      FileSystems.open(FileSystems.matchSingleFileSpec(file).resourceId())),
                  StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          Example e = Example.parse(line);
          ids.add(e.id());
          features.add(e.features());
          eventTimes.add(e.eventTimeMillis());
          labelTimes.add(e.labelTimeMillis());
          labels.add(e.positive() ? 1 : 0);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    float[] y = new float[labels.size];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels.values[i];
    }
    return new StreamExamples(
        ids, features.toArray(new float[0][]), eventTimes.toArray(), labelTimes.toArray(), y);
  }

  public int size() {
    return eventTimes.length;
  }

  /** The vector of the {@code i}-th example in event-time order. */
  public float[] features(int i) {
    return features[i];
  }

  public long eventTime(int i) {
    return eventTimes[i];
  }

  /** When the label of example {@code i} became known (never before its event time). */
  public long labelTime(int i) {
    return labelTimes[i];
  }

  public float label(int i) {
    return labels[i];
  }

  /** The index (in event-time order) of the {@code k}-th example in label-time order. */
  public int byLabelTime(int k) {
    return byLabelTime[k];
  }

  /** The first index whose event time is at least {@code time} ({@link #size()} if none). */
  public int firstAtOrAfter(long time) {
    int lo = 0;
    int hi = eventTimes.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (eventTimes[mid] < time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first index whose event time is after {@code time}. */
  public int firstAfter(long time) {
    return time == Long.MAX_VALUE ? eventTimes.length : firstAtOrAfter(time + 1);
  }

  private static final class LongList {
    long[] values = new long[1024];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
