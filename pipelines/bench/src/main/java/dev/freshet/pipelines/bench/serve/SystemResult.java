package dev.freshet.pipelines.bench.serve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Everything measured for one system. */
final class SystemResult {
  final String system;
  final String settings;
  double startupSeconds;
  RateResult verify;
  Map<String, float[]> vectors;
  final List<RateResult> rates = new ArrayList<>();
  Long swapMillis;
  final List<Throughput> throughputRounds = new ArrayList<>();
  double loadBefore;
  double loadAfter;

  SystemResult(String system, String settings) {
    this.system = system;
    this.settings = settings;
  }

  /** The measured round with the median rate (the lower middle one of an even count). */
  Throughput throughput() {
    if (throughputRounds.isEmpty()) {
      return null;
    }
    List<Throughput> sorted = new ArrayList<>(throughputRounds);
    sorted.sort(Comparator.comparingDouble(Throughput::rate));
    return sorted.get((sorted.size() - 1) / 2);
  }
}
