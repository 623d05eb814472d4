package dev.freshet.pipelines.serve;

import dev.freshet.pipelines.kafka.KafkaClients;
import java.io.Serializable;

/**
 * Where a serving worker gets its model: the registry's production pointer, polled every {@code
 * pollMillis}, accepted only for the feature spec with {@code fingerprint}. Refusals are announced
 * on {@code modelEventsTopic} through {@code kafka} when it is set. With {@code watchChallenger},
 * also the registry's challenger (its newest candidate after production) and the bandit's
 * posteriors, for routing.
 */
public record ModelSource(
    String registry,
    String fingerprint,
    long pollMillis,
    KafkaClients kafka,
    String modelEventsTopic,
    boolean watchChallenger)
    implements Serializable {
  public ModelSource {
    if (pollMillis <= 0) {
      throw new IllegalArgumentException("--modelPollMillis must be positive, got " + pollMillis);
    }
  }
}
