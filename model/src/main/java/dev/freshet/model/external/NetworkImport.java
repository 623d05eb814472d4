package dev.freshet.model.external;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.network.FeatureEncoder;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Turns a user's network file (TorchScript or ONNX) into a {@link BinaryClassifier} over a feature
 * spec's vectors, after checking it on a batch of real vectors: the network must take {@code
 * [batch, width]} floats in the spec's column order and return one finite value per row (a logit,
 * or a probability in {@code [0, 1]}, as {@link OutputKind} says). A mismatch is refused with an
 * {@link IllegalArgumentException} naming the expected width and the spec.
 *
 * <p>Normalisation: with statistics (computed from training events, as {@code train} does) the
 * numeric columns reach the network standardised and clipped to their training range; without
 * ({@code null}) the network gets the raw values and normalises itself.
 */
public final class NetworkImport {
  private final FeatureLayout layout;
  private final String specName;
  private final ModelConfig config;

  private NetworkImport(FeatureLayout layout, String specName, ModelConfig config) {
    this.layout = layout;
    this.specName = specName;
    this.config = config;
  }

  /**
   * An import for vectors of {@code layout}, produced by the spec called {@code specName}; {@code
   * config} gives the device and the optimiser settings fine-tuning starts from.
   */
  public static NetworkImport of(FeatureLayout layout, String specName, ModelConfig config) {
    return new NetworkImport(layout, specName, config);
  }

  /**
   * Loads and checks the network; the caller closes the result (and registers it).
   *
   * @param stats normalisation statistics, or {@code null} when the network normalises itself
   * @param sample real feature vectors (raw, as the spec produces them) to check it on
   */
  public BinaryClassifier load(
      NetworkFormat format,
      OutputKind output,
      String sourceFile,
      byte[] bytes,
      NormalizationStats stats,
      float[][] sample) {
    if (sample.length == 0) {
      throw new IllegalArgumentException("no feature vectors to check the network on");
    }
    ExternalNetwork external =
        new ExternalNetwork(format, output, stats != null, sourceFile, sha256(bytes));
    NormalizationStats normalization = stats != null ? stats : unit(layout);
    BinaryClassifier model;
    try {
      model =
          BinaryClassifier.load(
              layout, config, normalization, PlattCalibration.identity(), external, bytes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          sourceFile + " is not a loadable " + format.networkName() + " file: " + e.getMessage(),
          e);
    }
    try {
      check(model, output, sourceFile, sample);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private void check(BinaryClassifier model, OutputKind output, String sourceFile, float[][] rows) {
    FeatureEncoder encoder = model.encoder();
    float[] out;
    long[] shape;
    try (NDManager manager = model.djlModel().getNDManager().newSubManager();
        Predictor<NDList, NDList> predictor = model.djlModel().newPredictor(new NoopTranslator())) {
      NDArray input = manager.create(encoder.encode(rows), new Shape(rows.length, layout.size()));
      NDArray result = predictor.predict(new NDList(input)).get(0);
      shape = result.getShape().getShape();
      out = result.toFloatArray();
    } catch (TranslateException | RuntimeException e) {
      throw new IllegalArgumentException(
          sourceFile + " failed on a batch of " + rows.length + " vectors: " + expected(), e);
    }
    boolean oneColumn = shape.length == 1 || (shape.length == 2 && shape[1] == 1);
    if (!oneColumn || shape[0] != rows.length) {
      throw new IllegalArgumentException(
          sourceFile
              + " returned shape "
              + Arrays.toString(shape)
              + " for "
              + rows.length
              + " rows; it must return one value per row ([batch] or [batch, 1]). "
              + expected());
    }
    for (int i = 0; i < out.length; i++) {
      if (!Float.isFinite(out[i])) {
        throw new IllegalArgumentException(
            sourceFile + " returned " + out[i] + " for vector " + i + "; outputs must be finite");
      }
      if (output == OutputKind.PROBABILITY && (out[i] < 0 || out[i] > 1)) {
        throw new IllegalArgumentException(
            sourceFile
                + " returned "
                + out[i]
                + " for vector "
                + i
                + ", not a probability: import it with the logit output instead");
      }
    }
  }

  /** What the network must accept, in words (width, spec, column order). */
  public String expected() {
    StringBuilder columns = new StringBuilder();
    for (FeatureLayout.Column c : layout.columns()) {
      columns.append(columns.length() == 0 ? "" : ", ").append(c);
    }
    return "expected a network taking float [batch, "
        + layout.size()
        + "] in the column order of feature spec '"
        + specName
        + "' (fingerprint "
        + layout.fingerprint()
        + "): "
        + columns;
  }

  /** Statistics that leave values as they are (stored for a network that normalises itself). */
  static NormalizationStats unit(FeatureLayout layout) {
    int n = layout.numericIndices().length;
    double[] ones = new double[n];
    Arrays.fill(ones, 1.0);
    return new NormalizationStats(new double[n], ones);
  }

  /** Hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
