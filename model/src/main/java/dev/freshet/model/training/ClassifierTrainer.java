package dev.freshet.model.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.CalibrationMethod;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.external.ExternalTraining;
import dev.freshet.model.network.FeatureEncoder;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link BinaryClassifier} with Adam on class-weighted sigmoid binary cross-entropy, from
 * scratch or as a warm start from a parent model, on any number of examples (a 500-example
 * micro-batch included).
 *
 * <p>Deterministic on CPU: the engine's generator (weight init, dropout) is seeded with {@link
 * ModelConfig#seed()} at the start of each run and the shuffling uses its own seeded generator, so
 * the same data and seed give identical parameters, bit for bit, with one PyTorch intra-op thread
 * ({@code -Dai.djl.pytorch.num_threads=1}, as the tests run); with more threads the embedding
 * gradients may be summed in another order, which changes the last bits.
 *
 * <p>Thread-safe: the engine seed and DJL's PyTorch gradient collector are process-global (a second
 * collector fails with "already collecting"), so trainings in one JVM take turns on one lock, each
 * from its seeding to its last step; scoring on other threads goes on meanwhile.
 *
 * <p>With {@link CalibrationMethod#PLATT} the last {@link ModelConfig#calibrationFraction()} of a
 * seeded shuffle is held out from gradient steps and used to fit the calibration (if it holds at
 * least {@value #MIN_CALIBRATION_EXAMPLES} examples of which at least one is of each class;
 * otherwise the calibration is the identity). Labels are 0/1 ({@code > 0.5} counts as positive).
 */
public final class ClassifierTrainer {
  static final int MIN_CALIBRATION_EXAMPLES = 20;

  /**
   * Steps over which a {@link ContinualTraining}'s new optimiser ramps up to its learning rate. A
   * new Adam's first bias-corrected steps move every weight by about the learning rate whatever the
   * gradient, which pulls an already trained model off course (on the fraud stream of
   * docs/benchmarks/learn.md the learner's first 400 examples at the training rate took smoke-test
   * NE from 0.056 to 0.077); over the ramp the moment estimates settle first. Measured there: 50
   * steps gave prequential NE 0.072 against 0.075 without a ramp (five seeds), 200 and 1,000 steps
   * learnt too slowly (0.080, 0.113).
   */
  public static final int CONTINUAL_WARM_UP_STEPS = 50;

  private static final Object ENGINE = new Object();
  private static final Logger LOG = LoggerFactory.getLogger(ClassifierTrainer.class);

  private final ModelConfig config;
  private final ProgressListener listener;

  private ClassifierTrainer(ModelConfig config, ProgressListener listener) {
    this.config = config;
    this.listener = listener;
  }

  public static ClassifierTrainer of(ModelConfig config) {
    return new ClassifierTrainer(config, ProgressListener.NONE);
  }

  /** Reports progress after every epoch. */
  public ClassifierTrainer withProgress(ProgressListener progress) {
    return new ClassifierTrainer(config, progress);
  }

  /** Trains a new model; normalisation statistics come from the training part of the data. */
  public BinaryClassifier train(FeatureLayout layout, float[][] features, float[] labels) {
    Split split = split(features, labels);
    NormalizationStats stats = NormalizationStats.fit(layout, split.trainRows(features));
    synchronized (ENGINE) {
      BinaryClassifier model =
          BinaryClassifier.initialize(layout, config, stats, PlattCalibration.identity());
      return fit(model, features, labels, split);
    }
  }

  /**
   * Continues training a copy of {@code parent} (same layout and network shape): it starts from the
   * parent's weights and keeps its normalisation statistics unless {@link
   * ModelConfig#refitNormalization()} is set. The parent is neither modified nor closed.
   */
  public BinaryClassifier continueFrom(
      BinaryClassifier parent, float[][] features, float[] labels) {
    requireSameNetwork(parent);
    Split split = split(features, labels);
    NormalizationStats stats =
        config.refitNormalization()
            ? NormalizationStats.fit(parent.layout(), split.trainRows(features))
            : parent.normalization();
    synchronized (ENGINE) {
      BinaryClassifier model = parent.copyWith(config, stats, PlattCalibration.identity());
      return fit(model, features, labels, split);
    }
  }

  /**
   * Starts continual training of a copy of {@code parent}: unlike {@link #continueFrom}, whose
   * every call begins with a new Adam, the returned {@link ContinualTraining} keeps one optimiser
   * (its moment estimates and step count) across all its updates, as one long training run over the
   * stream would, after a ramp of {@value #CONTINUAL_WARM_UP_STEPS} steps to its learning rate.
   * Normalisation statistics are the parent's; the parent is neither modified nor closed.
   */
  public ContinualTraining continual(BinaryClassifier parent) {
    return continual(parent, CONTINUAL_WARM_UP_STEPS);
  }

  /**
   * As {@link #continual(BinaryClassifier)}, with the learning rate reached linearly over the
   * optimiser's first {@code warmUpSteps} steps (0: at once).
   */
  public ContinualTraining continual(BinaryClassifier parent, int warmUpSteps) {
    if (warmUpSteps < 0) {
      throw new IllegalArgumentException("warmUpSteps must be >= 0, got " + warmUpSteps);
    }
    requireSameNetwork(parent);
    synchronized (ENGINE) {
      Engine.getInstance().setRandomSeed((int) config.seed());
      BinaryClassifier model =
          parent.copyWith(config, parent.normalization(), PlattCalibration.identity());
      try {
        return new ContinualTraining(this, model, newTrainer(model, warmUpSteps));
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }

  private void requireSameNetwork(BinaryClassifier parent) {
    if (parent.external().isPresent()) {
      ExternalTraining.requireTrainable(parent);
      return;
    }
    if (!parent.config().sameNetworkAs(config)) {
      throw new IllegalArgumentException(
          "cannot warm start: network shape differs (parent "
              + parent.config()
              + ", requested "
              + config
              + ")");
    }
  }

  /** The lock every training step in this JVM holds (see the class comment). */
  static Object engineLock() {
    return ENGINE;
  }

  ModelConfig config() {
    return config;
  }

  private BinaryClassifier fit(
      BinaryClassifier model, float[][] features, float[] labels, Split split) {
    try {
      runEpochs(model, features, labels, split.train());
      if (config.calibration() == CalibrationMethod.PLATT && split.calibration().length > 0) {
        double[] logits = logits(model, features, split.calibration());
        float[] calLabels = new float[split.calibration().length];
        for (int i = 0; i < calLabels.length; i++) {
          calLabels[i] = labels[split.calibration()[i]];
        }
        BinaryClassifier calibrated =
            model.withCalibration(PlattCalibration.fit(logits, calLabels));
        model.close();
        return calibrated;
      }
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private void runEpochs(
      BinaryClassifier model, float[][] features, float[] labels, int[] trainIdx) {
    Engine.getInstance().setRandomSeed((int) config.seed());
    try (Trainer trainer = newTrainer(model, 0)) {
      runEpochs(trainer, model, features, labels, trainIdx, new Random(config.seed() * 31 + 7));
    }
  }

  /**
   * A DJL trainer over {@code model} with a new Adam at the configured learning rate, reached
   * linearly over the first {@code warmUpSteps} steps (none: 0).
   */
  Trainer newTrainer(BinaryClassifier model, int warmUpSteps) {
    Tracker rate = Tracker.fixed(config.learningRate());
    if (warmUpSteps > 0) {
      rate =
          Tracker.warmUp()
              .setMainTracker(rate)
              .optWarmUpSteps(warmUpSteps)
              .optWarmUpBeginValue(0f)
              .build();
    }
    DefaultTrainingConfig trainingConfig =
        new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
            .optDevices(new ai.djl.Device[] {model.djlModel().getNDManager().getDevice()})
            .optOptimizer(Optimizer.adam().optLearningRateTracker(rate).build());
    Trainer trainer = model.djlModel().newTrainer(trainingConfig);
    trainer.initialize(new Shape(1, model.encoder().width()));
    return trainer;
  }

  /** {@link ModelConfig#epochs()} passes over {@code trainIdx}, shuffled by {@code shuffle}. */
  void runEpochs(
      Trainer trainer,
      BinaryClassifier model,
      float[][] features,
      float[] labels,
      int[] trainIdx,
      Random shuffle) {
    FeatureEncoder encoder = model.encoder();
    long start = System.nanoTime();
    long seen = 0;
    int[] order = trainIdx.clone();
    for (int epoch = 1; epoch <= config.epochs(); epoch++) {
      shuffle(order, shuffle);
      double lossSum = 0;
      int batches = 0;
      for (int from = 0; from < order.length; from += config.batchSize()) {
        int to = Math.min(order.length, from + config.batchSize());
        lossSum +=
            step(
                trainer, model, encoder.encode(features, order, from, to), labels, order, from, to);
        batches++;
        seen += to - from;
      }
      listener.onProgress(
          new TrainingProgress(
              epoch,
              seen,
              batches == 0 ? Double.NaN : lossSum / batches,
              Duration.ofNanos(System.nanoTime() - start)));
    }
  }

  private float step(
      Trainer trainer,
      BinaryClassifier model,
      float[] x,
      float[] labels,
      int[] order,
      int from,
      int to) {
    int n = to - from;
    float[] y = new float[n];
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = labels[order[from + i]] > 0.5f ? 1f : 0f;
      w[i] = y[i] > 0 ? config.positiveClassWeight() : 1f;
    }
    try (NDManager batch = trainer.getManager().newSubManager()) {
      NDArray input = batch.create(x, new Shape(n, x.length / n));
      NDArray target = batch.create(y);
      NDArray weight = batch.create(w);
      float loss;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray z = model.logitsOf(trainer.forward(new NDList(input)).singletonOrThrow());
        NDArray value = weightedBce(z, target, weight);
        collector.backward(value);
        loss = value.getFloat();
      }
      trainer.step();
      return loss;
    }
  }

  /** Numerically stable {@code mean(w * (max(z,0) - z*y + log(1 + exp(-|z|))))}. */
  static NDArray weightedBce(NDArray logits, NDArray target, NDArray weight) {
    NDArray perExample =
        logits.maximum(0f).sub(logits.mul(target)).add(logits.abs().neg().exp().add(1f).log());
    return perExample.mul(weight).mean();
  }

  /** Inference-mode logits (before calibration) of every row, e.g. to fit a calibration. */
  public static double[] logits(BinaryClassifier model, float[][] features) {
    int[] all = new int[features.length];
    Arrays.setAll(all, i -> i);
    return logits(model, features, all);
  }

  /** Inference-mode logits of the selected rows. */
  static double[] logits(BinaryClassifier model, float[][] features, int[] idx) {
    if (model.external().isPresent()) {
      // A TorchScript module that a trainer has stepped refuses inference-mode calls ("Inference
      // tensors cannot be saved for backward"); a copy loaded from its bytes takes them.
      try (BinaryClassifier copy = model.withCalibration(model.calibration())) {
        return forwardLogits(copy, features, idx);
      }
    }
    return forwardLogits(model, features, idx);
  }

  private static double[] forwardLogits(BinaryClassifier model, float[][] features, int[] idx) {
    FeatureEncoder encoder = model.encoder();
    try (NDManager manager = model.djlModel().getNDManager().newSubManager()) {
      NDArray input =
          manager.create(
              encoder.encode(features, idx, 0, idx.length), new Shape(idx.length, encoder.width()));
      float[] z =
          model
              .logitsOf(
                  model
                      .block()
                      .forward(new ParameterStore(manager, false), new NDList(input), false)
                      .singletonOrThrow())
              .toFloatArray();
      double[] out = new double[z.length];
      for (int i = 0; i < z.length; i++) {
        out[i] = z[i];
      }
      return out;
    }
  }

  private Split split(float[][] features, float[] labels) {
    if (features.length != labels.length) {
      throw new IllegalArgumentException(
          features.length + " feature vectors but " + labels.length + " labels");
    }
    if (features.length == 0) {
      throw new IllegalArgumentException("no training examples");
    }
    int[] all = new int[features.length];
    Arrays.setAll(all, i -> i);
    if (config.calibration() != CalibrationMethod.PLATT) {
      return new Split(all, new int[0]);
    }
    shuffle(all, new Random(config.seed()));
    int holdout = Math.round(features.length * config.calibrationFraction());
    int[] cal = Arrays.copyOfRange(all, features.length - holdout, features.length);
    boolean bothClasses =
        Arrays.stream(cal).anyMatch(i -> labels[i] > 0.5f)
            && Arrays.stream(cal).anyMatch(i -> labels[i] <= 0.5f);
    if (holdout < MIN_CALIBRATION_EXAMPLES || holdout == features.length || !bothClasses) {
      LOG.warn(
          "Not enough held-out examples ({}) with both classes to fit Platt calibration;"
              + " using the identity calibration.",
          holdout);
      Arrays.sort(all);
      return new Split(all, new int[0]);
    }
    int[] train = Arrays.copyOfRange(all, 0, features.length - holdout);
    Arrays.sort(train);
    return new Split(train, cal);
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private record Split(int[] train, int[] calibration) {
    float[][] trainRows(float[][] features) {
      float[][] rows = new float[train.length][];
      for (int i = 0; i < train.length; i++) {
        rows[i] = features[train[i]];
      }
      return rows;
    }
  }
}
