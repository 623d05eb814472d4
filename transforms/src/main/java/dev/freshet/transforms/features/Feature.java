package dev.freshet.transforms.features;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.joda.time.Duration;

/**
 * One column of the feature vector: an {@link Aggregation} of an optional field, per entity key,
 * over a window. Build with the static factories and {@code by}/{@code over}:
 *
 * <pre>{@code
 * Feature.count("card_payments_10m").by("card").over(Duration.standardMinutes(10))
 * Feature.of("rider_amount_mean_1d", Aggregation.MEAN, "amount").by("rider").over(Duration.standardDays(1))
 * Feature.value("amount")
 * Feature.category("city", 1024)
 * Feature.lastOutcome("card_last_chargeback").by("card")
 * Feature.outcomeRate("card_chargeback_rate_last20").by("card").overLast(20)
 * }</pre>
 *
 * <p>{@code missing} is the value used when a window holds nothing to aggregate (or the key field
 * is null); it defaults to 0, and to the window length in seconds for {@code TIME_SINCE_LAST}.
 *
 * <p>{@code last} (above 0) makes an outcome-derived feature read the key's last {@code last}
 * labels instead of a time window; those and {@code LAST_OUTCOME} read labels known at or before
 * the event's time, and their {@code window}, if set, is only the oldest a label may be (default
 * {@link #DEFAULT_OUTCOME_HORIZON}).
 */
public record Feature(
    String name,
    Aggregation aggregation,
    String field,
    String key,
    Duration window,
    int buckets,
    Double missing,
    int last)
    implements Serializable {

  /** How old a label a count window or {@code LAST_OUTCOME} may read when no window is set. */
  public static final Duration DEFAULT_OUTCOME_HORIZON = Duration.standardDays(30);

  public Feature {
    java.util.Objects.requireNonNull(name, "name");
    java.util.Objects.requireNonNull(aggregation, "aggregation");
  }

  public static Feature of(String name, Aggregation aggregation, String field) {
    return new Feature(name, aggregation, field, null, null, 0, null, 0);
  }

  public static Feature count(String name) {
    return of(name, Aggregation.COUNT, null);
  }

  public static Feature timeSinceLast(String name) {
    return of(name, Aggregation.TIME_SINCE_LAST, null);
  }

  public static Feature outcomeRate(String name) {
    return of(name, Aggregation.OUTCOME_RATE, null);
  }

  public static Feature outcomeCount(String name) {
    return of(name, Aggregation.OUTCOME_COUNT, null);
  }

  /** The key's latest label known at or before the event (1 positive, 0 negative). */
  public static Feature lastOutcome(String name) {
    return of(name, Aggregation.LAST_OUTCOME, null);
  }

  /** The event's own numeric field, named after it. */
  public static Feature value(String field) {
    return of(field, Aggregation.VALUE, field);
  }

  /** The event's own field hashed into {@code buckets} ids, named after it. */
  public static Feature category(String field, int buckets) {
    return new Feature(field, Aggregation.CATEGORY, field, null, null, buckets, null, 0);
  }

  public Feature by(String keyName) {
    return new Feature(name, aggregation, field, keyName, window, buckets, missing, last);
  }

  public Feature over(Duration w) {
    return new Feature(name, aggregation, field, key, w, buckets, missing, last);
  }

  /** Reads the key's last {@code n} labels instead of a time window (outcome-derived only). */
  public Feature overLast(int n) {
    return new Feature(name, aggregation, field, key, window, buckets, missing, n);
  }

  public Feature withMissing(double value) {
    return new Feature(name, aggregation, field, key, window, buckets, value, last);
  }

  /**
   * Whether the feature reads labels known at or before the event's time ({@code LAST_OUTCOME} and
   * count windows) rather than in the half-open {@code [t - W, t)}.
   */
  public boolean readsLabelsAtEventTime() {
    return aggregation == Aggregation.LAST_OUTCOME || last > 0;
  }

  /**
   * How far back the feature reads: its window, or for a feature that {@link
   * #readsLabelsAtEventTime} and has none, {@link #DEFAULT_OUTCOME_HORIZON}.
   */
  public Duration horizon() {
    return window == null && readsLabelsAtEventTime() ? DEFAULT_OUTCOME_HORIZON : window;
  }

  /** The value used when there is nothing to aggregate. */
  public double missingValue() {
    if (missing != null) {
      return missing;
    }
    if (aggregation == Aggregation.TIME_SINCE_LAST && window != null) {
      return window.getMillis() / 1000.0;
    }
    return 0.0;
  }

  Map<String, Object> canonical() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("agg", aggregation.name());
    m.put("field", field);
    m.put("key", key);
    m.put("window_ms", window == null ? null : window.getMillis());
    m.put("buckets", buckets);
    m.put("missing", missingValue());
    if (last > 0) {
      m.put("last", last); // only when set, so that specs without it keep their fingerprint
    }
    return m;
  }
}
