package dev.freshet.model.registry;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.external.ExternalNetwork;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.transforms.drift.DriftReference;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The immutable description of a registered version, stored as {@code manifest.json} next to the
 * parameters file. It never changes after registration; status lives in a separate log.
 *
 * <p>{@code driftReference} is the distribution of the training feature vectors (before
 * normalisation) that serving's drift monitor compares live windows with; it is optional ({@code
 * null}): manifests written before it existed, and versions registered without one, have none, and
 * serving then skips drift checks for them. Readers of format version 1 ignore fields they do not
 * know, so adding it needed no new format version.
 *
 * <p>{@code external} is set (and {@code network} names its format) when the version's network was
 * imported ({@code freshet models import}) or fine-tuned from an imported one: see {@link
 * ExternalNetwork}. {@code null} for the native network.
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
    long parametersSize,
    DriftReference driftReference,
    ExternalNetwork external) {
  public static final int FORMAT_VERSION = 1;

  /** The imported network's description; empty for the native network. */
  public Optional<ExternalNetwork> externalNetwork() {
    return Optional.ofNullable(external);
  }

  /** The training data's feature distribution, when the version was registered with one. */
  public Optional<DriftReference> drift() {
    return Optional.ofNullable(driftReference);
  }

  public String featureFingerprint() {
    return layout.fingerprint();
  }
}
