package dev.freshet.pipelines.bench.serve;

import java.util.Locale;

/**
 * One phase's latency: predictions received of those sent, latency percentiles (ms) and the part
 * until scored (ms). A rate skipped because the system had saturated carries only {@code rate}.
 */
record RateResult(
    int rate,
    boolean skipped,
    double sentRate,
    long sent,
    long received,
    double p50,
    double p95,
    double p99,
    double max,
    long scoredP50,
    long scoredP99,
    long count,
    boolean saturated) {
  static RateResult skipped(int rate) {
    return new RateResult(rate, true, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true);
  }

  RateResult asSaturated() {
    return new RateResult(
        rate, skipped, sentRate, sent, received, p50, p95, p99, max, scoredP50, scoredP99, count,
        true);
  }

  String line(String label) {
    return String.format(
        Locale.ROOT,
        "%s: %,d of %,d predictions%s, latency ms p50 %.1f p95 %.1f p99 %.1f max %.1f;"
            + " until scored p50 %d p99 %d",
        label,
        received,
        sent,
        sentRate > 0 ? String.format(Locale.ROOT, " (sent at %,.0f/s)", sentRate) : "",
        p50,
        p95,
        p99,
        max,
        scoredP50,
        scoredP99);
  }

  String row(String system, String offered, String sentText) {
    String predictions =
        received == sent
            ? String.format(Locale.ROOT, "%,d", received)
            : String.format(Locale.ROOT, "%,d of %,d", received, sent);
    return String.format(
        Locale.ROOT,
        "| %s | %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %d / %d |%n",
        system,
        offered,
        sentText,
        predictions,
        p50,
        p95,
        p99,
        max,
        scoredP50,
        scoredP99);
  }
}
