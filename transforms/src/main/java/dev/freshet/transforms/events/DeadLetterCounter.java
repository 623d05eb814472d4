package dev.freshet.transforms.events;

import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Counts dead letters of one source as Beam metrics in namespace {@value
 * ParseEvents#METRICS_NAMESPACE}: {@code <source>_dead} and {@code <source>_dead_<REASON>}. Create
 * in {@code @Setup}; not thread-safe (one per DoFn instance).
 */
public final class DeadLetterCounter {
  private final String source;
  private final Counter dead;
  private final Map<DeadLetterReason, Counter> byReason = new EnumMap<>(DeadLetterReason.class);

  public DeadLetterCounter(String source) {
    this.source = source;
    this.dead = Metrics.counter(ParseEvents.METRICS_NAMESPACE, source + "_dead");
  }

  public void count(DeadLetterReason reason) {
    dead.inc();
    byReason
        .computeIfAbsent(
            reason,
            r -> Metrics.counter(ParseEvents.METRICS_NAMESPACE, source + "_dead_" + r.name()))
        .inc();
  }
}
