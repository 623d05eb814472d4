package dev.freshet.model.prediction;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.network.FeatureEncoder;
import dev.freshet.model.network.PlattCalibration;
import java.nio.FloatBuffer;

/**
 * Batched scoring of raw feature vectors with a {@link BinaryClassifier}: sanitise and standardise
 * with the model's own statistics, run the network, return calibrated probabilities.
 *
 * <p><b>Not thread-safe, by design.</b> A scorer owns one DJL {@link Predictor}; use one scorer per
 * thread. In a Beam pipeline: create it in {@code @Setup} (after loading the model there), score a
 * bundle's elements as one batch, and close it (then the model) in {@code @Teardown}. Never build
 * it in {@code main} and capture it in a DoFn.
 *
 * <p>Each call's NDArrays live in the predictor's per-call NDManager, which DJL closes when the
 * call returns, so no native memory outlives a call. Closing the scorer does not close the
 * classifier it borrows.
 */
public final class Scorer implements AutoCloseable {
  private final BinaryClassifier classifier;
  private final Predictor<float[][], float[]> predictor;

  private Scorer(BinaryClassifier classifier) {
    this.classifier = classifier;
    this.predictor =
        classifier
            .djlModel()
            .newPredictor(
                new ProbabilityTranslator(
                    classifier.encoder(),
                    classifier.calibration(),
                    classifier.external().isPresent() ? classifier.outputKind() : null));
  }

  /** A scorer borrowing {@code classifier}, which must stay open while the scorer is used. */
  public static Scorer of(BinaryClassifier classifier) {
    return new Scorer(classifier);
  }

  /** Probabilities for each row of {@code batch}; an empty batch gives an empty array. */
  public float[] score(float[][] batch) {
    if (batch.length == 0) {
      return new float[0];
    }
    try {
      return predictor.predict(batch);
    } catch (TranslateException e) {
      throw new IllegalStateException("scoring a batch of " + batch.length + " failed", e);
    }
  }

  /** Probability for one feature vector. */
  public float score(float[] row) {
    return score(new float[][] {row})[0];
  }

  public BinaryClassifier classifier() {
    return classifier;
  }

  @Override
  public void close() {
    predictor.close();
  }

  /** float[][] rows to calibrated probabilities; reuses one encoding buffer (one thread). */
  private static final class ProbabilityTranslator implements Translator<float[][], float[]> {
    private final FeatureEncoder encoder;
    private final PlattCalibration calibration;
    private final OutputKind externalOutput;
    private float[] buffer = new float[0];
    private int rows;

    /** {@code externalOutput}: null for the native network, else what the imported one returns. */
    ProbabilityTranslator(
        FeatureEncoder encoder, PlattCalibration calibration, OutputKind externalOutput) {
      this.encoder = encoder;
      this.calibration = calibration;
      this.externalOutput = externalOutput;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] rows) {
      int size = rows.length * encoder.width();
      if (buffer.length < size) {
        buffer = new float[size];
      }
      encoder.encodeInto(rows, buffer);
      this.rows = rows.length;
      return new NDList(
          ctx.getNDManager()
              .create(FloatBuffer.wrap(buffer, 0, size), new Shape(rows.length, encoder.width())));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      if (externalOutput != null) {
        return externalProbabilities(list.singletonOrThrow().toFloatArray());
      }
      NDArray logits = list.singletonOrThrow();
      if (!calibration.equals(PlattCalibration.identity())) {
        logits = logits.mul((float) calibration.a()).add((float) calibration.b());
      }
      return Activation.sigmoid(logits).toFloatArray();
    }

    /**
     * An imported network's output, read in Java: its engine (ONNX Runtime) may not implement the
     * arithmetic on its own arrays.
     */
    private float[] externalProbabilities(float[] out) {
      if (out.length != rows) {
        throw new IllegalStateException(
            "the imported network returned " + out.length + " values for " + rows + " rows");
      }
      boolean identity = calibration.equals(PlattCalibration.identity());
      for (int i = 0; i < out.length; i++) {
        if (externalOutput == OutputKind.PROBABILITY && identity) {
          continue;
        }
        double z = out[i];
        if (externalOutput == OutputKind.PROBABILITY) {
          double p = Math.min(1 - 1e-7, Math.max(1e-7, z));
          z = Math.log(p / (1 - p));
        }
        out[i] = (float) (1 / (1 + Math.exp(-(calibration.a() * z + calibration.b()))));
      }
      return out;
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }
}
