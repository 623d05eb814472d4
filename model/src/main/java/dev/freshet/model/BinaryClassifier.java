package dev.freshet.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import dev.freshet.model.external.ExternalNetwork;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.OutputKind;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

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
  private final ExternalNetwork external;
  // An ONNX graph cannot be written back from the engine: its bytes are kept as loaded.
  private final byte[] onnxBytes;

  private BinaryClassifier(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration,
      Model model) {
    this(layout, config, normalization, calibration, model, null, null);
  }

  private BinaryClassifier(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration,
      Model model,
      ExternalNetwork external,
      byte[] onnxBytes) {
    this.layout = layout;
    this.config = config;
    this.normalization = normalization;
    this.calibration = calibration;
    this.model = model;
    this.external = external;
    this.onnxBytes = onnxBytes;
  }

  /**
   * Rebuilds a classifier from bytes written by {@link #parameterBytes()}: DJL parameters of the
   * native network when {@code external} is {@code null}, else the imported network's file.
   */
  public static BinaryClassifier load(
      FeatureLayout layout,
      ModelConfig config,
      NormalizationStats normalization,
      PlattCalibration calibration,
      ExternalNetwork external,
      byte[] bytes) {
    if (external == null) {
      return fromParameters(layout, config, normalization, calibration, bytes);
    }
    Device device = config.device().resolve();
    Model model =
        Model.newInstance(external.format().networkName(), device, external.format().engine());
    try {
      if (external.format() == NetworkFormat.TORCHSCRIPT) {
        model.load(new ByteArrayInputStream(bytes), Map.of());
      } else {
        loadFromTemporaryFile(model, external.format(), bytes);
      }
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new IllegalArgumentException(
          "cannot load the " + external.format().networkName() + " network: " + e.getMessage(), e);
    }
    return new BinaryClassifier(
        layout,
        config,
        normalization,
        calibration,
        model,
        external,
        external.format() == NetworkFormat.ONNX ? bytes.clone() : null);
  }

  // ONNX Runtime's DJL model loads from a file only.
  private static void loadFromTemporaryFile(Model model, NetworkFormat format, byte[] bytes)
      throws IOException, MalformedModelException {
    Path dir = Files.createTempDirectory("freshet-network");
    try {
      Files.write(dir.resolve(format.fileName()), bytes);
      String name = format.fileName();
      model.load(dir, name.substring(0, name.lastIndexOf('.')));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
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

  /**
   * The network as stored in a registry version: the DJL parameters in DJL's {@code .params} stream
   * format for the native network; the TorchScript module as {@code torch.jit.save} writes it (with
   * its current, possibly fine-tuned, parameters); the ONNX graph as imported.
   */
  public byte[] parameterBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (external != null) {
      if (external.format() == NetworkFormat.ONNX) {
        return onnxBytes.clone();
      }
      JniUtils.writeModule((PtSymbolBlock) model.getBlock(), bytes, false);
      return bytes.toByteArray();
    }
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
    if (external != null) {
      return load(layout, newConfig, newStats, newCalibration, external, parameterBytes());
    }
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
    if (external != null) {
      throw new IllegalStateException(
          "the normalisation of an imported network is fixed at import; it cannot follow the"
              + " stream (set the normalisation memory to 0)");
    }
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

  /** The encoder turning raw feature vectors into this network's input. */
  public FeatureEncoder encoder() {
    return external == null
        ? new FeatureEncoder(layout, normalization)
        : FeatureEncoder.inSpecOrder(layout, normalization, external.standardized());
  }

  /**
   * The network's output for a batch read as one logit per row: a probability output becomes {@code
   * log(p / (1 - p))} (p clipped to {@code [1e-7, 1 - 1e-7]}).
   */
  public NDArray logitsOf(NDArray output) {
    NDArray flat = output.reshape(-1);
    if (outputKind() == OutputKind.LOGIT) {
      return flat;
    }
    NDArray p = flat.clip(1e-7f, 1 - 1e-7f);
    return p.log().sub(p.neg().add(1f).log());
  }

  /** Whether the network returns logits (the native one does) or probabilities. */
  public OutputKind outputKind() {
    return external == null ? OutputKind.LOGIT : external.output();
  }

  /** The imported network's description; empty for the native network. */
  public Optional<ExternalNetwork> external() {
    return Optional.ofNullable(external);
  }

  /** The manifest's {@code network} value. */
  public String networkName() {
    return external == null ? ModelConfig.NETWORK_NAME : external.format().networkName();
  }

  /** The file name the network is stored under in a registry version. */
  public String networkFile() {
    return external == null ? "model.params" : external.format().fileName();
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

  /**
   * The underlying DJL model (its block is a {@link TabularMlpBlock} for the native network, the
   * engine's symbol block for an imported one).
   */
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
    return "BinaryClassifier{"
        + (external == null ? config : external)
        + ", "
        + layout
        + ", "
        + calibration
        + "}";
  }
}
