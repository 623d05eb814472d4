package dev.freshet.pipelines.metrics;

import java.util.Locale;

/**
 * Turns a value that becomes part of a metric name (an arm, a topic, a feature) into Prometheus'
 * snake case: lower case, every character other than {@code [a-z0-9_]} replaced by {@code _}. Beam
 * metrics have no labels (and Flink's reporter turns only its own scope into labels), so a bounded
 * dimension such as the arm or the partition is part of the name.
 */
public final class MetricNames {
  private MetricNames() {}

  /** {@code raw} as a snake-case part of a metric name. */
  public static String part(String raw) {
    return raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }
}
