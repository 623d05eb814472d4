package dev.freshet.pipelines.train;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.ModelRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Initialised but untrained models, registered for work where the weights do not matter: serving
 * benchmarks and tests of serving, swapping and refusal.
 */
public final class UntrainedModels {
  private UntrainedModels() {}

  /** Registers a freshly initialised model (seeded by {@code config}) and returns its id. */
  public static String register(ModelRegistry registry, FeatureLayout layout, ModelConfig config)
      throws IOException {
    float[][] rows = new float[2][layout.size()];
    Arrays.fill(rows[1], 1f);
    try (BinaryClassifier model =
        BinaryClassifier.initialize(
            layout, config, NormalizationStats.fit(layout, rows), PlattCalibration.identity())) {
      return registry.register(
          Candidate.of(model, new DataRange(Instant.EPOCH, Instant.EPOCH.plusSeconds(1), 2)));
    }
  }
}
