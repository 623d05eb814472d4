package dev.freshet.pipelines.bench.serve;

/**
 * A throughput measurement: {@code counted} predictions (of any phase) consumed in {@code seconds},
 * from the first prediction after the backlog started to the last; {@code received} of the
 * backlog's own {@code events}.
 */
record Throughput(
    int events, long received, long counted, double seconds, double cpuMicrosPerEvent) {
  double rate() {
    return seconds <= 0 ? 0 : counted / seconds;
  }
}
