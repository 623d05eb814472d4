package dev.freshet.model.network;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@value ModelConfig#NETWORK_NAME} network: one embedding table per categorical column ({@code
 * buckets + 1} rows, the last for unknown values), concatenated with the standardised numeric
 * columns, then {@code Linear -> ReLU [-> Dropout]} per hidden layer and a final {@code Linear(1)}.
 *
 * <p>Input: {@code (batch, width)} as produced by {@link FeatureEncoder}. Output: {@code (batch)}
 * logits; the probability is {@code sigmoid(logit)} (see {@link PlattCalibration}).
 */
public final class TabularMlpBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int numNumeric;
  private final int embeddingDim;
  private final List<Parameter> embeddings = new ArrayList<>();
  private final SequentialBlock mlp;

  public TabularMlpBlock(FeatureLayout layout, ModelConfig config) {
    super(VERSION);
    this.numNumeric = layout.numericIndices().length;
    this.embeddingDim = config.embeddingDim();
    int i = 0;
    for (int c : layout.categoricalIndices()) {
      int rows = layout.columns().get(c).buckets() + 1;
      embeddings.add(
          addParameter(
              Parameter.builder()
                  .setName("embedding_" + i++)
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(new Shape(rows, embeddingDim))
                  .optInitializer(new NormalInitializer(0.05f))
                  .build()));
    }
    SequentialBlock layers = new SequentialBlock();
    for (int units : config.hiddenLayers()) {
      layers.add(Linear.builder().setUnits(units).build());
      layers.add(Activation.reluBlock());
      if (config.dropout() > 0) {
        layers.add(Dropout.builder().optRate(config.dropout()).build());
      }
    }
    layers.add(Linear.builder().setUnits(1).build());
    this.mlp = addChildBlock("mlp", layers);
  }

  private long mlpInputWidth() {
    return numNumeric + (long) embeddings.size() * embeddingDim;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDList parts = new NDList(embeddings.size() + 1);
    if (numNumeric > 0) {
      parts.add(x.get(":, 0:" + numNumeric));
    }
    for (int j = 0; j < embeddings.size(); j++) {
      NDArray ids = x.get(":, " + (numNumeric + j)).toType(DataType.INT64, false);
      NDArray table = store.getValue(embeddings.get(j), x.getDevice(), training);
      parts.add(
          ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow());
    }
    NDArray joined = parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 1);
    NDArray logits = mlp.forward(store, new NDList(joined), training, params).singletonOrThrow();
    return new NDList(logits.reshape(-1));
  }

  /**
   * Rewrites the first layer in place so that the network computes the same function of the raw
   * numeric values once their standardisation changes from {@code (mean, std)} to {@code (newMean,
   * newStd)}: with {@code z = (x - mean) / std} and {@code z' = (x - newMean) / newStd}, a first
   * layer {@code W z + b} equals {@code W' z' + b'} for {@code W'[:, j] = W[:, j] * newStd[j] /
   * std[j]} and {@code b' = b + sum_j W[:, j] * (newMean[j] - mean[j]) / std[j]}. Embedding columns
   * are untouched. Call it between training steps, never during one.
   */
  public void restandardize(double[] mean, double[] std, double[] newMean, double[] newStd) {
    if (mean.length != numNumeric || newMean.length != numNumeric) {
      throw new IllegalArgumentException(
          "statistics for " + mean.length + " numeric columns, the network has " + numNumeric);
    }
    if (numNumeric == 0) {
      return;
    }
    Block first = mlp.getChildren().get(0).getValue();
    NDArray weight = first.getParameters().get("weight").getArray();
    NDArray bias = first.getParameters().get("bias").getArray();
    float[] scale = new float[(int) mlpInputWidth()];
    float[] shift = new float[scale.length];
    Arrays.fill(scale, 1f);
    for (int j = 0; j < numNumeric; j++) {
      scale[j] = (float) (newStd[j] / std[j]);
      shift[j] = (float) ((newMean[j] - mean[j]) / std[j]);
    }
    NDManager manager = weight.getManager();
    try (NDArray shiftColumn = manager.create(shift, new Shape(shift.length, 1));
        NDArray biasDelta = weight.matMul(shiftColumn).reshape(bias.getShape());
        NDArray scaleRow = manager.create(scale, new Shape(1, scale.length))) {
      bias.addi(biasDelta);
      weight.muli(scaleRow);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    mlp.initialize(manager, dataType, new Shape(inputShapes[0].get(0), mlpInputWidth()));
  }
}
