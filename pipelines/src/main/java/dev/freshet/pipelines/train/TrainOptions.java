package dev.freshet.pipelines.train;

import dev.freshet.pipelines.features.FeaturesOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of the bounded {@code train} pipeline (the data options are those of features). */
public interface TrainOptions extends FeaturesOptions {
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

  @Description("Training epochs over the training part.")
  @Default.Integer(8)
  int getEpochs();

  void setEpochs(int value);

  @Description("Hidden layer sizes of the MLP, comma separated.")
  @Default.String("64,32")
  String getHiddenLayers();

  void setHiddenLayers(String value);

  @Description("Mini-batch size.")
  @Default.Integer(256)
  int getBatchSize();

  void setBatchSize(int value);

  @Description("Adam learning rate.")
  @Default.Float(0.003f)
  float getLearningRate();

  void setLearningRate(float value);

  @Description("Weight of positive examples in the loss (for rare positives such as fraud).")
  @Default.Float(1.0f)
  float getPositiveClassWeight();

  void setPositiveClassWeight(float value);

  @Description("Device for DJL: cpu, gpu or auto (gpu falls back to nothing: it fails if none).")
  @Default.String("cpu")
  String getDevice();

  void setDevice(String value);

  @Description("Seed for initialisation and shuffling; the same data and seed give the same model.")
  @Default.Long(42)
  long getSeed();

  void setSeed(long value);
}
