package dev.freshet.model.registry;

import dev.freshet.model.BinaryClassifier;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ModelRegistry#register} stores: a trained model, the version it was derived from
 * ({@code null} for a model trained from scratch), the data it saw and its offline metrics. The
 * registry reads the model and neither keeps nor closes it.
 */
public record Candidate(
    BinaryClassifier model,
    String parentVersion,
    DataRange dataRange,
    Map<String, Double> metrics) {
  public Candidate {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataRange, "dataRange");
    metrics = Map.copyOf(metrics);
  }

  /** A candidate trained from scratch, without metrics. */
  public static Candidate of(BinaryClassifier model, DataRange dataRange) {
    return new Candidate(model, null, dataRange, Map.of());
  }

  public Candidate withParent(String version) {
    return new Candidate(model, version, dataRange, metrics);
  }

  public Candidate withMetrics(Map<String, Double> offlineMetrics) {
    return new Candidate(model, parentVersion, dataRange, offlineMetrics);
  }
}
