package dev.freshet.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Immutable hyper-parameters of the binary classifier family (network {@value #NETWORK_NAME}).
 *
 * <p>Network shape ({@link #hiddenLayers()}, {@link #embeddingDim()}) must match between a parent
 * and a warm-started child; the optimisation settings may change between runs. Build with {@link
 * #builder()} and derive variants with {@link #toBuilder()}.
 */
public final class ModelConfig implements Serializable {

  /** Name of the network definition stored in manifests. */
  public static final String NETWORK_NAME = "tabular-mlp-v1";

  private final List<Integer> hiddenLayers;
  private final int embeddingDim;
  private final float dropout;
  private final float learningRate;
  private final int batchSize;
  private final int epochs;
  private final long seed;
  private final DeviceOption device;
  private final float positiveClassWeight;
  private final CalibrationMethod calibration;
  private final float calibrationFraction;
  private final boolean refitNormalization;

  @JsonCreator
  private ModelConfig(
      @JsonProperty("hiddenLayers") List<Integer> hiddenLayers,
      @JsonProperty("embeddingDim") int embeddingDim,
      @JsonProperty("dropout") float dropout,
      @JsonProperty("learningRate") float learningRate,
      @JsonProperty("batchSize") int batchSize,
      @JsonProperty("epochs") int epochs,
      @JsonProperty("seed") long seed,
      @JsonProperty("device") DeviceOption device,
      @JsonProperty("positiveClassWeight") float positiveClassWeight,
      @JsonProperty("calibration") CalibrationMethod calibration,
      @JsonProperty("calibrationFraction") float calibrationFraction,
      @JsonProperty("refitNormalization") boolean refitNormalization) {
    this.hiddenLayers = List.copyOf(hiddenLayers);
    this.embeddingDim = embeddingDim;
    this.dropout = dropout;
    this.learningRate = learningRate;
    this.batchSize = batchSize;
    this.epochs = epochs;
    this.seed = seed;
    this.device = Objects.requireNonNull(device, "device");
    this.positiveClassWeight = positiveClassWeight;
    this.calibration = Objects.requireNonNull(calibration, "calibration");
    this.calibrationFraction = calibrationFraction;
    this.refitNormalization = refitNormalization;
    check(this.hiddenLayers.stream().allMatch(u -> u > 0), "hidden layer sizes must be > 0");
    check(embeddingDim > 0, "embeddingDim must be > 0");
    check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
    check(learningRate > 0, "learningRate must be > 0");
    check(batchSize > 0, "batchSize must be > 0");
    check(epochs >= 0, "epochs must be >= 0");
    check(positiveClassWeight > 0, "positiveClassWeight must be > 0");
    check(
        calibrationFraction > 0 && calibrationFraction < 1,
        "calibrationFraction must be in (0, 1)");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Defaults: hidden [64, 32], embedding 4, no dropout, Adam 1e-3, batch 256, 5 epochs, cpu. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  @JsonProperty
  public List<Integer> hiddenLayers() {
    return hiddenLayers;
  }

  @JsonProperty
  public int embeddingDim() {
    return embeddingDim;
  }

  @JsonProperty
  public float dropout() {
    return dropout;
  }

  @JsonProperty
  public float learningRate() {
    return learningRate;
  }

  @JsonProperty
  public int batchSize() {
    return batchSize;
  }

  @JsonProperty
  public int epochs() {
    return epochs;
  }

  @JsonProperty
  public long seed() {
    return seed;
  }

  @JsonProperty
  public DeviceOption device() {
    return device;
  }

  /** Loss weight of a positive example (1 = unweighted); e.g. ~30 for 3% fraud. */
  @JsonProperty
  public float positiveClassWeight() {
    return positiveClassWeight;
  }

  @JsonProperty
  public CalibrationMethod calibration() {
    return calibration;
  }

  /** Share of each training run held out to fit the calibration (when enabled). */
  @JsonProperty
  public float calibrationFraction() {
    return calibrationFraction;
  }

  /** On warm start, recompute normalisation statistics instead of keeping the parent's. */
  @JsonProperty
  public boolean refitNormalization() {
    return refitNormalization;
  }

  /** Whether a model trained with {@code other} has the same parameter shapes as this one. */
  public boolean sameNetworkAs(ModelConfig other) {
    return hiddenLayers.equals(other.hiddenLayers) && embeddingDim == other.embeddingDim;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelConfig c
        && c.hiddenLayers.equals(hiddenLayers)
        && c.embeddingDim == embeddingDim
        && c.dropout == dropout
        && c.learningRate == learningRate
        && c.batchSize == batchSize
        && c.epochs == epochs
        && c.seed == seed
        && c.device == device
        && c.positiveClassWeight == positiveClassWeight
        && c.calibration == calibration
        && c.calibrationFraction == calibrationFraction
        && c.refitNormalization == refitNormalization;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        hiddenLayers,
        embeddingDim,
        dropout,
        learningRate,
        batchSize,
        epochs,
        seed,
        device,
        positiveClassWeight,
        calibration,
        calibrationFraction,
        refitNormalization);
  }

  @Override
  public String toString() {
    return NETWORK_NAME
        + "{hidden="
        + hiddenLayers
        + ", embeddingDim="
        + embeddingDim
        + ", dropout="
        + dropout
        + ", lr="
        + learningRate
        + ", batch="
        + batchSize
        + ", epochs="
        + epochs
        + ", seed="
        + seed
        + ", device="
        + device
        + ", positiveClassWeight="
        + positiveClassWeight
        + ", calibration="
        + calibration
        + "}";
  }

  /** Builder for {@link ModelConfig}. */
  public static final class Builder {
    private List<Integer> hiddenLayers = List.of(64, 32);
    private int embeddingDim = 4;
    private float dropout = 0f;
    private float learningRate = 1e-3f;
    private int batchSize = 256;
    private int epochs = 5;
    private long seed = 42L;
    private DeviceOption device = DeviceOption.CPU;
    private float positiveClassWeight = 1f;
    private CalibrationMethod calibration = CalibrationMethod.NONE;
    private float calibrationFraction = 0.2f;
    private boolean refitNormalization = false;

    private Builder() {}

    private Builder(ModelConfig c) {
      hiddenLayers = c.hiddenLayers;
      embeddingDim = c.embeddingDim;
      dropout = c.dropout;
      learningRate = c.learningRate;
      batchSize = c.batchSize;
      epochs = c.epochs;
      seed = c.seed;
      device = c.device;
      positiveClassWeight = c.positiveClassWeight;
      calibration = c.calibration;
      calibrationFraction = c.calibrationFraction;
      refitNormalization = c.refitNormalization;
    }

    public Builder hiddenLayers(Integer... units) {
      this.hiddenLayers = List.of(units);
      return this;
    }

    public Builder hiddenLayers(List<Integer> units) {
      this.hiddenLayers = List.copyOf(units);
      return this;
    }

    public Builder embeddingDim(int dim) {
      this.embeddingDim = dim;
      return this;
    }

    public Builder dropout(float rate) {
      this.dropout = rate;
      return this;
    }

    public Builder learningRate(float rate) {
      this.learningRate = rate;
      return this;
    }

    public Builder batchSize(int size) {
      this.batchSize = size;
      return this;
    }

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder device(DeviceOption device) {
      this.device = device;
      return this;
    }

    public Builder positiveClassWeight(float weight) {
      this.positiveClassWeight = weight;
      return this;
    }

    public Builder calibration(CalibrationMethod method) {
      this.calibration = method;
      return this;
    }

    public Builder calibrationFraction(float fraction) {
      this.calibrationFraction = fraction;
      return this;
    }

    public Builder refitNormalization(boolean refit) {
      this.refitNormalization = refit;
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(
          hiddenLayers,
          embeddingDim,
          dropout,
          learningRate,
          batchSize,
          epochs,
          seed,
          device,
          positiveClassWeight,
          calibration,
          calibrationFraction,
          refitNormalization);
    }
  }
}
