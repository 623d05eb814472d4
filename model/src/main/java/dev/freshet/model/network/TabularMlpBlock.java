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

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    mlp.initialize(manager, dataType, new Shape(inputShapes[0].get(0), mlpInputWidth()));
  }
}
