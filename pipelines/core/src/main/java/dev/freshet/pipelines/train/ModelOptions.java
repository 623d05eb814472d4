package dev.freshet.pipelines.train;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How a model is trained: network shape and optimiser settings, shared by {@code train} and {@code
 * freshness}; {@link TrainAndRegister#config} turns them into a validated {@code ModelConfig}.
 */
public interface ModelOptions extends PipelineOptions {
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
