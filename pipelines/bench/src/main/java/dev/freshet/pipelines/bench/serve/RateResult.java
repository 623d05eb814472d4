package dev.freshet.pipelines.bench.serve;

import java.util.Locale;

/**
 * One phase's latency: predictions received of those sent, latency percentiles (ms), the part until
 * scored (ms) and the JVM's CPU time per prediction (µs, NaN where not measured). A rate skipped
 * because the system had saturated carries only {@code rate}.
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
    boolean saturated,
    double cpuMicrosPerEvent) {
  static RateResult skipped(int rate) {
    return new RateResult(rate, true, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, true, Double.NaN);
  }

  RateResult asSaturated() {
    return new RateResult(
        rate,
        skipped,
        sentRate,
        sent,
        received,
        p50,
        p95,
        p99,
        max,
        scoredP50,
        scoredP99,
        count,
        true,
        cpuMicrosPerEvent);
  }

  /** This result with the process's CPU time over the phase, {@code cpuNanos}, per prediction. */
  RateResult withCpu(long cpuNanos) {
    return new RateResult(
        rate,
        skipped,
        sentRate,
        sent,
        received,
        p50,
        p95,
        p99,
        max,
        scoredP50,
        scoredP99,
        count,
        saturated,
        cpuNanos / 1e3 / Math.max(1, received));
  }

  String line(String label) {
    return String.format(
        Locale.ROOT,
        "%s: %,d of %,d predictions%s, latency ms p50 %.1f p95 %.1f p99 %.1f max %.1f;"
            + " until scored p50 %d p99 %d%s",
        label,
        received,
        sent,
        sentRate > 0 ? String.format(Locale.ROOT, " (sent at %,.0f/s)", sentRate) : "",
        p50,
        p95,
        p99,
        max,
        scoredP50,
        scoredP99,
        Double.isNaN(cpuMicrosPerEvent)
            ? ""
            : String.format(Locale.ROOT, "; CPU %,.0f µs/event", cpuMicrosPerEvent));
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
