package dev.freshet.pipelines.serve;

import java.io.Serializable;

/**
 * Where a serving worker gets its model: the registry's production pointer, polled every {@code
 * pollMillis}, accepted only for the feature spec with {@code fingerprint}. Refusals are announced
 * on {@code modelEventsTopic} when {@code bootstrapServers} is set.
 */
public record ModelSource(
    String registry,
    String fingerprint,
    long pollMillis,
    String bootstrapServers,
    String modelEventsTopic)
    implements Serializable {
  public ModelSource {
    if (pollMillis <= 0) {
      throw new IllegalArgumentException("--modelPollMillis must be positive, got " + pollMillis);
    }
  }
}
