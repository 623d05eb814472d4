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
 * }</pre>
 *
 * <p>{@code missing} is the value used when a window holds nothing to aggregate (or the key field
 * is null); it defaults to 0, and to the window length in seconds for {@code TIME_SINCE_LAST}.
 */
public record Feature(
    String name,
    Aggregation aggregation,
    String field,
    String key,
    Duration window,
    int buckets,
    Double missing)
    implements Serializable {

  public Feature {
    java.util.Objects.requireNonNull(name, "name");
    java.util.Objects.requireNonNull(aggregation, "aggregation");
  }

  public static Feature of(String name, Aggregation aggregation, String field) {
    return new Feature(name, aggregation, field, null, null, 0, null);
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

  /** The event's own numeric field, named after it. */
  public static Feature value(String field) {
    return of(field, Aggregation.VALUE, field);
  }

  /** The event's own field hashed into {@code buckets} ids, named after it. */
  public static Feature category(String field, int buckets) {
    return new Feature(field, Aggregation.CATEGORY, field, null, null, buckets, null);
  }

  public Feature by(String keyName) {
    return new Feature(name, aggregation, field, keyName, window, buckets, missing);
  }

  public Feature over(Duration w) {
    return new Feature(name, aggregation, field, key, w, buckets, missing);
  }

  public Feature withMissing(double value) {
    return new Feature(name, aggregation, field, key, window, buckets, value);
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
    return m;
  }
}
