package dev.freshet.pipelines.bench.serve;

/**
 * A throughput measurement of one backlog of {@code events}, {@code received} of them answered. Two
 * rates: {@code counted} predictions (of any phase) consumed in {@code seconds}, from the first
 * prediction after the backlog started to the last, is what the system sustains once output flows;
 * the backlog's answered events over {@code workedOffSeconds}, from the backlog's start (before its
 * first event was produced) to its last prediction, also counts the wait for the first prediction,
 * which a system that holds its output until a checkpoint completes (exactly-once) pays on every
 * backlog.
 */
record Throughput(
    int events,
    long received,
    long counted,
    double seconds,
    double workedOffSeconds,
    double cpuMicrosPerEvent) {
  double rate() {
    return seconds <= 0 ? 0 : counted / seconds;
  }

  /** The backlog's answered events per second from its start to its last prediction. */
  double workedOffRate() {
    return workedOffSeconds <= 0 ? 0 : received / workedOffSeconds;
  }

  /** Seconds from {@code startNanos} to the phase's last prediction; 0 if none came. */
  static double secondsToLast(Phase phase, long startNanos) {
    long last = phase.lastNanos;
    return last == 0 ? 0 : Math.max(0, last - startNanos) / 1e9;
  }
}
