package dev.freshet.pipelines.train;

import dev.freshet.pipelines.features.FeaturesOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the bounded {@code train} pipeline (the data options are those of features, the model
 * options those of {@link ModelOptions}).
 */
public interface TrainOptions extends FeaturesOptions, ModelOptions {
  @Description(
      "Model registry on any Beam file system (local directory, gs://bucket/path); created if absent.")
  @Default.String("out/registry")
  String getRegistry();

  void setRegistry(String value);

  @Description(
      "Share of the examples, the latest in event time, held out for evaluation and the smoke-test set (0 < f < 1).")
  @Default.Double(0.2)
  double getHoldoutFraction();

  void setHoldoutFraction(double value);
}
