package dev.freshet.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.freshet.model.network.FeatureEncoder;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.model.network.TabularMlpBlock;
import dev.freshet.model.prediction.Scorer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A trained binary classifier: the DJL network with its parameters plus everything needed to score
 * a raw feature vector the way it was trained: the {@link FeatureLayout}, the {@link ModelConfig},
 * the {@link NormalizationStats} and the {@link PlattCalibration}.
 *
 * <p>Holds native memory (the parameters live in a DJL {@link Model}): close it when done. Score
 * through {@link #newScorer()}; persist through {@link #parameterBytes()} and {@link
 * #fromParameters}, or through the registry.
 */
public final class BinaryClassifier implements AutoCloseable {
  private final FeatureLayout layout;
  private final ModelConfig config;
  private final NormalizationStats normalization;
  private final PlattCalibration calibration;
  private final Model model;

  private BinaryClassifier(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration,
      Model model) {
    this.layout = layout;
    this.config = config;
    this.normalization = normalization;
    this.calibration = calibration;
    this.model = model;
  }

  /**
   * A freshly initialised network (random weights drawn from the engine's generator seeded with
   * {@code config.seed()}).
   */
  public static BinaryClassifier initialize(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration) {
    Device device = config.device().resolve();
    Model model = newModel(layout, config, device);
    try {
      Engine.getInstance().setRandomSeed((int) config.seed());
      model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(layout));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return new BinaryClassifier(layout, config, normalization, calibration, model);
  }

  /** Rebuilds a classifier from bytes written by {@link #parameterBytes()}. */
  public static BinaryClassifier fromParameters(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration,
      byte[] parameters) {
    Device device = config.device().resolve();
    Model model = newModel(layout, config, device);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
      model.getBlock().loadParameters(model.getNDManager(), in);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new IllegalArgumentException(
          "parameters do not fit network " + ModelConfig.NETWORK_NAME + " for " + layout, e);
    }
    return new BinaryClassifier(layout, config, normalization, calibration, model);
  }

  private static Model newModel(FeatureLayout layout, ModelConfig config, Device device) {
    Model model = Model.newInstance(ModelConfig.NETWORK_NAME, device);
    model.setBlock(new TabularMlpBlock(layout, config));
    return model;
  }

  /** Input shape of a one-row batch (used to initialise the network). */
  public static Shape inputShape(FeatureLayout layout) {
    return new Shape(1, layout.size());
  }

  /** The DJL parameters, in DJL's {@code .params} stream format. */
  public byte[] parameterBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      model.getBlock().saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** An independent copy (own native memory) with other statistics and calibration. */
  public BinaryClassifier copyWith(
      ModelConfig newConfig, NormalizationStats newStats, PlattCalibration newCalibration) {
    if (!newConfig.sameNetworkAs(config)) {
      throw new IllegalArgumentException(
          "network shape differs: parent " + config + ", requested " + newConfig);
    }
    return fromParameters(layout, newConfig, newStats, newCalibration, parameterBytes());
  }

  /** Same parameters, another calibration (shares nothing native with this instance). */
  public BinaryClassifier withCalibration(PlattCalibration newCalibration) {
    return copyWith(config, normalization, newCalibration);
  }

  /**
   * This classifier standardising with {@code newStats} instead, computing the same function of raw
   * values inside its old ranges: the first layer is rewritten in place ({@link
   * TabularMlpBlock#restandardize}), so the returned classifier takes this one's network over (and
   * whatever trains it keeps training it). This instance must not be used or closed afterwards.
   */
  public BinaryClassifier restandardized(NormalizationStats newStats) {
    if (newStats.mean().length != normalization.mean().length) {
      throw new IllegalArgumentException(
          "statistics for "
              + newStats.mean().length
              + " numeric columns, the model has "
              + normalization.mean().length);
    }
    ((TabularMlpBlock) model.getBlock())
        .restandardize(normalization.mean(), normalization.std(), newStats.mean(), newStats.std());
    return new BinaryClassifier(layout, config, newStats, calibration, model);
  }

  /** A new scorer over this classifier; see {@link Scorer} for its threading rules. */
  public Scorer newScorer() {
    return Scorer.of(this);
  }

  /** The encoder applying this model's normalisation. */
  public FeatureEncoder encoder() {
    return new FeatureEncoder(layout, normalization);
  }

  public FeatureLayout layout() {
    return layout;
  }

  public ModelConfig config() {
    return config;
  }

  public NormalizationStats normalization() {
    return normalization;
  }

  public PlattCalibration calibration() {
    return calibration;
  }

  /** The underlying DJL model (its block is a {@link TabularMlpBlock}). */
  public Model djlModel() {
    return model;
  }

  public Block block() {
    return model.getBlock();
  }

  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return "BinaryClassifier{" + config + ", " + layout + ", " + calibration + "}";
  }
}
