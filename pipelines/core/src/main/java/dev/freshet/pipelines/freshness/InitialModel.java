package dev.freshet.pipelines.freshness;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import java.io.Serializable;
import org.apache.beam.sdk.util.SerializableUtils;

/**
 * The model every policy starts from, as bytes (DJL parameters, normalisation and calibration),
 * with the plan it was trained for; broadcast to the policies as a side input so that all of them
 * start from the very same weights and the warm-up is trained once.
 */
public record InitialModel(
    ReplayPlan plan,
    byte[] parameters,
    NormalizationStats normalization,
    PlattCalibration calibration,
    int examples,
    int warmupExamples,
    int evaluatedExamples,
    double trainCpuSeconds)
    implements Serializable {

  static InitialModel of(
      ReplayPlan plan,
      BinaryClassifier model,
      int warmupExamples,
      int evaluatedExamples,
      double trainCpuSeconds) {
    return new InitialModel(
        plan,
        model.parameterBytes(),
        model.normalization(),
        model.calibration(),
        warmupExamples + evaluatedExamples,
        warmupExamples,
        evaluatedExamples,
        trainCpuSeconds);
  }

  byte[] toBytes() {
    return SerializableUtils.serializeToByteArray(this);
  }

  static InitialModel fromBytes(byte[] bytes) {
    return (InitialModel) SerializableUtils.deserializeFromByteArray(bytes, "the initial model");
  }

  /** A new classifier with these weights (the caller closes it). */
  BinaryClassifier classifier() {
    return BinaryClassifier.fromParameters(
        plan.layout(), plan.initial(), normalization, calibration, parameters);
  }
}
