package dev.freshet.transforms.features;

/**
 * What a feature computes. Windowed aggregations read the events (or, for {@code OUTCOME_*}, the
 * labels) of one entity key whose time lies in {@code [t - window, t)}, where {@code t} is the time
 * of the event being featurised: the event itself and anything at exactly {@code t} never count.
 * The exceptions read labels, for natural labels that become known when the key's next event
 * happens: {@code LAST_OUTCOME}, and {@code OUTCOME_COUNT}/{@code OUTCOME_RATE} over the last
 * {@code N} labels ({@link Feature#overLast}), read labels known at or before {@code t} (labels
 * order before events of the same time), never the event's own.
 */
public enum Aggregation {
  /** The event's own numeric field. */
  VALUE(false, false, true),
  /** The event's own field, hashed into {@code buckets} categorical ids. */
  CATEGORY(false, false, false),
  /** Number of earlier events of the key in the window. */
  COUNT(true, false, false),
  /** Sum of a numeric field over the window (nulls count as nothing). */
  SUM(true, false, true),
  /** Mean of a numeric field over the window's non-null values. */
  MEAN(true, false, true),
  MIN(true, false, true),
  MAX(true, false, true),
  /** Number of distinct values of a field (any type) in the window. */
  DISTINCT_COUNT(true, false, false),
  /** The latest non-null value of a numeric field in the window. */
  LAST(true, false, true),
  /** Seconds since the latest earlier event of the key within the window. */
  TIME_SINCE_LAST(true, false, false),
  /** Number of positive labels that became known in the window. */
  OUTCOME_COUNT(true, true, false),
  /** Positive labels / labels that became known in the window. */
  OUTCOME_RATE(true, true, false),
  /** The key's latest label (1 or 0) known at or before the event; {@code missing} if none. */
  LAST_OUTCOME(true, true, false);

  private final boolean windowed;
  private final boolean fromOutcomes;
  private final boolean numericField;

  Aggregation(boolean windowed, boolean fromOutcomes, boolean numericField) {
    this.windowed = windowed;
    this.fromOutcomes = fromOutcomes;
    this.numericField = numericField;
  }

  /** Whether the feature is computed per entity key over a time window. */
  public boolean isWindowed() {
    return windowed;
  }

  /** Whether the feature is derived from labels (outcomes) rather than events. */
  public boolean isFromOutcomes() {
    return fromOutcomes;
  }

  /** Whether the aggregation needs a numeric field. */
  public boolean needsNumericField() {
    return numericField;
  }

  /** Whether the aggregation reads a field at all. */
  public boolean needsField() {
    return numericField || this == CATEGORY || this == DISTINCT_COUNT;
  }

  static Aggregation parse(String name) {
    String normalised = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    for (Aggregation a : values()) {
      if (a.name().equals(normalised)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "Unknown aggregation '" + name + "': use one of " + java.util.Arrays.toString(values()));
  }
}
