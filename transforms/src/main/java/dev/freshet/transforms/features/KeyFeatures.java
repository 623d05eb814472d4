package dev.freshet.transforms.features;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * The windowed features of one entity key and their arithmetic: given an {@link EntityHistory},
 * computes the features of an event at time {@code t} from entries in {@code [t - W, t)} and then
 * records the event. Plain Java, unit-testable; the Beam DoFns of {@link ExtractFeatures} only
 * store the history in state and feed inputs in order.
 */
final class KeyFeatures implements Serializable {
  private final EntityKey key;
  private final int keyFieldIndex;
  private final int[] featureIndex;
  private final Aggregation[] aggregation;
  private final long[] windowMillis;
  private final int[] column;
  private final double[] missing;
  private final int[] numericFieldIndex;
  private final int[] hashFieldIndex;

  /** For features that read labels known at or before t: how many (0: all in the horizon). */
  private final int[] lastLabels;

  private final boolean[] atEventTime;
  private final long eventRetention;
  private final long labelRetention;

  /** The label retention of half-open label windows (0 if none), plus lateness. */
  private final long labelWindowRetention;

  /** The most labels a count window reads (0 if none), kept whatever their age in the horizon. */
  private final int labelsCounted;

  private final long allowedLateness;

  KeyFeatures(FeatureSpec spec, EntityKey key, long allowedLatenessMillis) {
    this.key = key;
    Schema schema = spec.events().beamSchema();
    this.keyFieldIndex = key.isGlobal() ? -1 : schema.indexOf(key.field());
    List<Integer> idx = new ArrayList<>();
    List<String> numericFields = new ArrayList<>();
    List<String> hashFields = new ArrayList<>();
    List<Feature> own = new ArrayList<>();
    List<Feature> all = spec.features();
    for (int i = 0; i < all.size(); i++) {
      Feature f = all.get(i);
      if (f.aggregation().isWindowed() && key.name().equals(f.key())) {
        idx.add(i);
        own.add(f);
        if (f.aggregation().needsNumericField() && !numericFields.contains(f.field())) {
          numericFields.add(f.field());
        }
        if (f.aggregation() == Aggregation.DISTINCT_COUNT && !hashFields.contains(f.field())) {
          hashFields.add(f.field());
        }
      }
    }
    int n = own.size();
    featureIndex = new int[n];
    aggregation = new Aggregation[n];
    windowMillis = new long[n];
    column = new int[n];
    missing = new double[n];
    lastLabels = new int[n];
    atEventTime = new boolean[n];
    long maxEventWindow = 0;
    long maxLabelWindow = 0;
    long maxHalfOpenLabelWindow = -1;
    int maxCounted = 0;
    for (int j = 0; j < n; j++) {
      Feature f = own.get(j);
      featureIndex[j] = idx.get(j);
      aggregation[j] = f.aggregation();
      windowMillis[j] = f.horizon().getMillis();
      atEventTime[j] = f.readsLabelsAtEventTime();
      lastLabels[j] = f.aggregation() == Aggregation.LAST_OUTCOME ? 1 : f.last();
      if (atEventTime[j]) {
        maxCounted = Math.max(maxCounted, lastLabels[j]);
      } else if (f.aggregation().isFromOutcomes()) {
        maxHalfOpenLabelWindow = Math.max(maxHalfOpenLabelWindow, windowMillis[j]);
      }
      missing[j] = f.missingValue();
      column[j] =
          f.aggregation() == Aggregation.DISTINCT_COUNT
              ? hashFields.indexOf(f.field())
              : numericFields.indexOf(f.field());
      if (f.aggregation().isFromOutcomes()) {
        maxLabelWindow = Math.max(maxLabelWindow, windowMillis[j]);
      } else {
        maxEventWindow = Math.max(maxEventWindow, windowMillis[j]);
      }
    }
    numericFieldIndex = numericFields.stream().mapToInt(schema::indexOf).toArray();
    hashFieldIndex = hashFields.stream().mapToInt(schema::indexOf).toArray();
    eventRetention = maxEventWindow + allowedLatenessMillis;
    labelRetention = maxLabelWindow + allowedLatenessMillis;
    labelWindowRetention =
        maxHalfOpenLabelWindow < 0 ? -1 : maxHalfOpenLabelWindow + allowedLatenessMillis;
    labelsCounted = maxCounted;
    allowedLateness = allowedLatenessMillis;
  }

  /** One plan per key of {@code spec} that has windowed features, in key order. */
  static List<KeyFeatures> plan(FeatureSpec spec, long allowedLatenessMillis) {
    List<KeyFeatures> plans = new ArrayList<>();
    for (EntityKey k : spec.keys()) {
      KeyFeatures kf = new KeyFeatures(spec, k, allowedLatenessMillis);
      if (kf.featureIndex.length > 0) {
        plans.add(kf);
      }
    }
    return plans;
  }

  EntityKey key() {
    return key;
  }

  /** The vector columns this key computes. */
  int[] columns() {
    return featureIndex.clone();
  }

  boolean usesLabels() {
    for (Aggregation a : aggregation) {
      if (a.isFromOutcomes()) {
        return true;
      }
    }
    return false;
  }

  /** How long after its last input an idle key's history can be dropped entirely. */
  long retentionMillis() {
    return Math.max(eventRetention, labelRetention);
  }

  /** The key value of an event, or {@code null} when its key field is null. */
  String keyOf(Row event) {
    if (keyFieldIndex < 0) {
      return EntityKey.GLOBAL_VALUE;
    }
    Object v = event.getValue(keyFieldIndex);
    return v == null ? null : v.toString();
  }

  EntityHistory newHistory() {
    return new EntityHistory(
        new TimeSeries(numericFieldIndex.length, hashFieldIndex.length), new TimeSeries(1, 0));
  }

  /** Writes this key's missing values, for an event whose key field is null. */
  void fillMissing(float[] out) {
    for (int j = 0; j < featureIndex.length; j++) {
      out[featureIndex[j]] = (float) missing[j];
    }
  }

  /** The numeric values this key aggregates (NaN for null). */
  double[] numericValues(Row event) {
    double[] numeric = new double[numericFieldIndex.length];
    for (int c = 0; c < numeric.length; c++) {
      Object v = event.getValue(numericFieldIndex[c]);
      numeric[c] = v == null ? Double.NaN : ((Number) v).doubleValue();
    }
    return numeric;
  }

  /** The hashed values this key counts distinct (0 for null). */
  long[] hashedValues(Row event) {
    long[] hashed = new long[hashFieldIndex.length];
    for (int c = 0; c < hashed.length; c++) {
      Object v = event.getValue(hashFieldIndex[c]);
      hashed[c] = v == null ? 0 : StableHash.ofValue(v);
    }
    return hashed;
  }

  /**
   * Computes the features of an event at time {@code t}, given its projected values, into {@code
   * out}, then records the event. {@code tie} orders events with equal times deterministically; a
   * duplicate (same time and tie) gets the same features as the original and is not counted twice.
   */
  void onEvent(EntityHistory h, long t, long tie, double[] numeric, long[] hashed, float[] out) {
    TimeSeries events = h.events;
    events.observe(t);
    events.evictBefore(events.maxTime() - eventRetention);
    evictLabels(h.labels);
    compute(h, t, tie, out);
    events.add(t, tie, numeric, hashed);
  }

  /** Records that a label (1 positive, 0 negative) became known at {@code labelTime}. */
  void onLabel(EntityHistory h, long labelTime, long tie, double label) {
    TimeSeries labels = h.labels;
    labels.observe(labelTime);
    evictLabels(labels);
    labels.add(labelTime, tie, new double[] {label}, new long[0]);
  }

  /**
   * Drops the labels no feature can read again: older than every half-open label window (plus
   * lateness) and, for count windows, not among the newest {@link #labelsCounted} nor within the
   * lateness of the newest, and always those older than the longest horizon (plus lateness).
   */
  private void evictLabels(TimeSeries labels) {
    long newest = labels.maxTime();
    long horizon = newest - labelRetention;
    if (labelsCounted > 0) {
      int nth = labels.end() - labelsCounted - 1; // one more: the event's own may be skipped
      long counted = nth > labels.start() ? labels.time(nth) : Long.MIN_VALUE;
      long keep = Math.min(counted, newest - allowedLateness);
      if (labelWindowRetention >= 0) {
        keep = Math.min(keep, newest - labelWindowRetention);
      }
      horizon = Math.max(horizon, keep);
    }
    labels.evictBefore(horizon);
  }

  private void compute(EntityHistory h, long t, long tie, float[] out) {
    for (int j = 0; j < featureIndex.length; j++) {
      if (atEventTime[j]) {
        out[featureIndex[j]] = (float) latestLabels(j, h.labels, t, tie);
        continue;
      }
      TimeSeries ts = aggregation[j].isFromOutcomes() ? h.labels : h.events;
      int hi = ts.lowerBound(t);
      int lo = ts.lowerBound(t - windowMillis[j]);
      out[featureIndex[j]] = (float) aggregate(j, ts, lo, hi, t);
    }
  }

  /**
   * A feature over the newest labels known at or before {@code t}, within its horizon, skipping the
   * event's own label (same id hash): the last one ({@code LAST_OUTCOME}) or the last {@code N}'s
   * count of positives or rate.
   */
  private double latestLabels(int j, TimeSeries labels, long t, long ownTie) {
    int lo = labels.lowerBound(t - windowMillis[j]);
    int wanted = lastLabels[j];
    int taken = 0;
    double positives = 0;
    for (int i = labels.lowerBound(t + 1) - 1; i >= lo && taken < wanted; i--) {
      if (labels.tie(i) == ownTie) {
        continue;
      }
      if (aggregation[j] == Aggregation.LAST_OUTCOME) {
        return labels.value(0, i);
      }
      positives += labels.value(0, i);
      taken++;
    }
    if (aggregation[j] == Aggregation.OUTCOME_COUNT) {
      return positives;
    }
    return taken > 0 ? positives / taken : missing[j];
  }

  private double aggregate(int j, TimeSeries ts, int lo, int hi, long t) {
    int c = column[j];
    switch (aggregation[j]) {
      case COUNT:
        return hi - lo;
      case SUM:
        return ts.sum(c, lo, hi);
      case MEAN:
        {
          double n = ts.presentCount(c, lo, hi);
          return n == 0 ? missing[j] : ts.sum(c, lo, hi) / n;
        }
      case MIN:
      case MAX:
        return extreme(j, ts, lo, hi);
      case DISTINCT_COUNT:
        {
          Set<Long> seen = new HashSet<>();
          for (int i = lo; i < hi; i++) {
            seen.add(ts.hash(c, i));
          }
          return seen.size();
        }
      case LAST:
        for (int i = hi - 1; i >= lo; i--) {
          double v = ts.value(c, i);
          if (!Double.isNaN(v)) {
            return v;
          }
        }
        return missing[j];
      case TIME_SINCE_LAST:
        return hi > lo ? (t - ts.time(hi - 1)) / 1000.0 : missing[j];
      case OUTCOME_COUNT:
        return ts.sum(0, lo, hi);
      case OUTCOME_RATE:
        return hi > lo ? ts.sum(0, lo, hi) / (hi - lo) : missing[j];
      default:
        throw new IllegalStateException("not a windowed aggregation: " + aggregation[j]);
    }
  }

  private double extreme(int j, TimeSeries ts, int lo, int hi) {
    boolean max = aggregation[j] == Aggregation.MAX;
    double best = Double.NaN;
    for (int i = lo; i < hi; i++) {
      double v = ts.value(column[j], i);
      if (!Double.isNaN(v) && (Double.isNaN(best) || (max ? v > best : v < best))) {
        best = v;
      }
    }
    return Double.isNaN(best) ? missing[j] : best;
  }
}
