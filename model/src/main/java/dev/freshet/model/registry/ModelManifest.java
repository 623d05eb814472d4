package dev.freshet.model.registry;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import java.time.Instant;
import java.util.Map;

/**
 * The immutable description of a registered version, stored as {@code manifest.json} next to the
 * parameters file. It never changes after registration; status lives in a separate log.
 */
public record ModelManifest(
    int formatVersion,
    String versionId,
    Instant createdAt,
    String network,
    ModelConfig config,
    FeatureLayout layout,
    NormalizationStats normalization,
    PlattCalibration calibration,
    String parentVersion,
    DataRange dataRange,
    Map<String, Double> metrics,
    String parametersFile,
    String parametersSha256,
    long parametersSize) {
  public static final int FORMAT_VERSION = 1;

  public String featureFingerprint() {
    return layout.fingerprint();
  }
}
