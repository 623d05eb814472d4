package dev.freshet.model.registry;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.transforms.drift.DriftReference;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ModelRegistry#register} stores: a trained model, the version it was derived from
 * ({@code null} for a model trained from scratch), the data it saw, its offline metrics and,
 * optionally, the distribution of its training feature vectors for drift monitoring ({@code null}
 * when unknown). The registry reads the model and neither keeps nor closes it.
 */
public record Candidate(
    BinaryClassifier model,
    String parentVersion,
    DataRange dataRange,
    Map<String, Double> metrics,
    DriftReference driftReference) {
  public Candidate {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataRange, "dataRange");
    metrics = Map.copyOf(metrics);
    if (driftReference != null && !driftReference.featureNames().equals(columnNames(model))) {
      throw new IllegalArgumentException(
          "the drift reference describes features "
              + driftReference.featureNames()
              + " but the model's layout has "
              + columnNames(model));
    }
  }

  /** A candidate without a drift reference. */
  public Candidate(
      BinaryClassifier model,
      String parentVersion,
      DataRange dataRange,
      Map<String, Double> metrics) {
    this(model, parentVersion, dataRange, metrics, null);
  }

  private static java.util.List<String> columnNames(BinaryClassifier model) {
    return model.layout().columns().stream().map(c -> c.name()).toList();
  }

  /** A candidate trained from scratch, without metrics. */
  public static Candidate of(BinaryClassifier model, DataRange dataRange) {
    return new Candidate(model, null, dataRange, Map.of());
  }

  public Candidate withParent(String version) {
    return new Candidate(model, version, dataRange, metrics, driftReference);
  }

  public Candidate withMetrics(Map<String, Double> offlineMetrics) {
    return new Candidate(model, parentVersion, dataRange, offlineMetrics, driftReference);
  }

  /** With the training vectors' distribution, for serving's drift monitor. */
  public Candidate withDriftReference(DriftReference reference) {
    return new Candidate(model, parentVersion, dataRange, metrics, reference);
  }
}
