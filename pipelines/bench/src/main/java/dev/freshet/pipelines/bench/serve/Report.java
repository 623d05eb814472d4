package dev.freshet.pipelines.bench.serve;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Markdown report: the cost per event (the headline: CPU time depends less on the machine's
 * other load than wall-clock rates do), latency per rate, then throughput, start-up and swap delay,
 * then settings.
 */
final class Report {
  private Report() {}

  /**
   * The tables for {@code results}; {@code runSettings} is the last line, the settings shared by
   * every system.
   */
  static String table(
      List<SystemResult> results, int throughputTimeoutSeconds, String runSettings) {
    StringBuilder sb = new StringBuilder();
    costPerEvent(sb, results);
    sb.append("### Latency, produce → prediction consumed (ms)\n\n");
    sb.append(
        "| system | offered events/s | sent events/s | predictions | p50 | p95 | p99 | max |"
            + " until scored p50 / p99 |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (SystemResult s : results) {
      if (s.verify != null) {
        sb.append(s.verify.row(s.system, "1 at a time", "–"));
      }
      for (RateResult r : s.rates) {
        sb.append(
            r.skipped()
                ? String.format(
                    Locale.ROOT,
                    "| %s | %,d | skipped (saturated) | | | | | | |%n",
                    s.system,
                    r.rate())
                : r.row(
                    s.system,
                    String.format(Locale.ROOT, r.saturated() ? "%,d (saturated)" : "%,d", r.rate()),
                    String.format(Locale.ROOT, "%,.0f", r.sentRate())));
      }
    }
    Double loopRate =
        results.stream()
            .filter(s -> s.system.equals(SystemsUnderTest.LOOP) && s.throughput() != null)
            .map(s -> s.throughput().rate())
            .findFirst()
            .orElse(null);
    Map<String, float[]> loopVectors =
        results.stream()
            .filter(s -> s.system.equals(SystemsUnderTest.LOOP))
            .map(s -> s.vectors)
            .findFirst()
            .orElse(null);
    sb.append("\n### Throughput, start-up, swap delay\n\n");
    sb.append(
        "| system | start-up s | max sustained events/s (median round) | vs loop |"
            + " worked off events/s (start → last) | CPU µs/event at max |"
            + " swap delay ms | vectors equal to loop's |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (SystemResult s : results) {
      String tput = "–";
      String ratio = "–";
      String cpu = "–";
      String workedOff = "–";
      Throughput median = s.throughput();
      if (median != null) {
        tput = String.format(Locale.ROOT, "%,.0f", median.rate());
        if (s.throughputRounds.size() > 1) {
          tput +=
              s.throughputRounds.stream()
                  .map(t -> String.format(Locale.ROOT, "%,.0f", t.rate()))
                  .collect(Collectors.joining(", ", " (rounds: ", ")"));
        }
        if (median.received() < median.events()) {
          tput +=
              String.format(
                  Locale.ROOT,
                  " (%,d of the %,d-event backlog answered in %d s)",
                  median.received(),
                  median.events(),
                  throughputTimeoutSeconds);
        }
        workedOff = String.format(Locale.ROOT, "%,.0f", median.workedOffRate());
        cpu = String.format(Locale.ROOT, "%.0f", median.cpuMicrosPerEvent());
        if (loopRate != null && loopRate > 0) {
          ratio = String.format(Locale.ROOT, "%.0f %%", 100 * median.rate() / loopRate);
        }
      }
      String vectors = "–";
      if (loopVectors != null && !s.system.equals(SystemsUnderTest.LOOP) && s.vectors != null) {
        int same = 0;
        int compared = 0;
        for (Map.Entry<String, float[]> e : s.vectors.entrySet()) {
          float[] l = loopVectors.get(e.getKey());
          if (l != null) {
            compared++;
            same += Arrays.equals(l, e.getValue()) ? 1 : 0;
          }
        }
        vectors = same + " of " + compared;
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %s | %s | %s | %s | %s | %s |%n",
              s.system,
              s.startupSeconds,
              tput,
              ratio,
              workedOff,
              cpu,
              s.swapMillis == null ? "–" : String.format(Locale.ROOT, "%,d", s.swapMillis),
              vectors));
    }
    sb.append("\n### Settings\n\n");
    for (SystemResult s : results) {
      sb.append("- ")
          .append(s.system)
          .append(": ")
          .append(s.settings)
          .append(
              String.format(
                  Locale.ROOT,
                  " (1-min load average %.1f at start, %.1f at end)",
                  s.loadBefore,
                  s.loadAfter))
          .append('\n');
    }
    sb.append(String.format(Locale.ROOT, "- %s%n", runSettings));
    return sb.toString();
  }

  /**
   * The headline table: CPU µs of the whole JVM (system, broker, harness) per prediction while
   * working off a backlog and at each paced rate, next to the rate reached, and the ratio to the
   * loop's cost.
   */
  private static void costPerEvent(StringBuilder sb, List<SystemResult> results) {
    List<Integer> rates =
        results.stream()
            .flatMap(s -> s.rates.stream())
            .map(RateResult::rate)
            .distinct()
            .sorted()
            .toList();
    Double loopCpu =
        results.stream()
            .filter(s -> s.system.equals(SystemsUnderTest.LOOP) && s.throughput() != null)
            .map(s -> s.throughput().cpuMicrosPerEvent())
            .findFirst()
            .orElse(null);
    sb.append("### Cost per event: CPU µs per prediction (whole JVM)\n\n");
    sb.append("| system | at max throughput | × loop's | max events/s |");
    rates.forEach(r -> sb.append(String.format(Locale.ROOT, " at %,d/s |", r)));
    sb.append("\n|---|---:|---:|---:|");
    rates.forEach(r -> sb.append("---:|"));
    sb.append('\n');
    for (SystemResult s : results) {
      Throughput t = s.throughput();
      String cpu = t == null ? "–" : String.format(Locale.ROOT, "%,.0f", t.cpuMicrosPerEvent());
      String times =
          t == null || loopCpu == null || loopCpu <= 0
              ? "–"
              : String.format(Locale.ROOT, "%.1f", t.cpuMicrosPerEvent() / loopCpu);
      String rate = t == null ? "–" : String.format(Locale.ROOT, "%,.0f", t.rate());
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |", s.system, cpu, times, rate));
      for (int r : rates) {
        sb.append(
            s.rates.stream()
                .filter(x -> x.rate() == r && !x.skipped() && !Double.isNaN(x.cpuMicrosPerEvent()))
                .findFirst()
                .map(x -> String.format(Locale.ROOT, " %,.0f |", x.cpuMicrosPerEvent()))
                .orElse(" – |"));
      }
      sb.append('\n');
    }
    sb.append('\n');
  }
}
