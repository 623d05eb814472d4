package dev.freshet.model.training;

import ai.djl.training.Trainer;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.network.PlattCalibration;
import java.util.Arrays;
import java.util.Random;

/**
 * One model trained on a stream update after update, with one optimiser throughout: Adam's moment
 * estimates and step count carry over from each update to the next, so many small updates take the
 * steps one long run over the same examples would, rather than the large early steps of a fresh
 * Adam each time (which is what {@link ClassifierTrainer#continueFrom} does).
 *
 * <p>Each {@link #update} makes {@code epochs} passes over its examples at the configuration's
 * learning rate. The live {@link #model()} belongs to this object (it changes with every update and
 * is closed with it); {@link #snapshot()} gives an independent copy to keep or register. The
 * calibration is the identity.
 *
 * <p>The normalisation statistics are the parent's unless {@link #followNormalization} is set: then
 * every update first folds its examples into the statistics (running mean and variance over about
 * {@code memory} examples, the range grown to cover them) and rewrites the network's first layer so
 * that its function of the raw values inside the old ranges is unchanged ({@link
 * BinaryClassifier#restandardized}); the update then trains on values standardised the new way. A
 * column that trends (a counter, a date) is then followed instead of being clipped at the edge of
 * the parent's range. Not thread-safe; updates in one JVM take turns with every other training on
 * {@link ClassifierTrainer}'s engine lock.
 *
 * <pre>{@code
 * try (ContinualTraining learner = ClassifierTrainer.of(config).continual(production)) {
 *   for (MicroBatch b : batches) {
 *     learner.update(b.features(), b.labels());
 *   }
 *   registry.register(learner.snapshot(), ...);
 * }
 * }</pre>
 */
public final class ContinualTraining implements AutoCloseable {
  private final ClassifierTrainer settings;
  private final Trainer trainer;
  private BinaryClassifier model;
  private long normalizationMemory;
  private final Random shuffle;
  private long updates;
  private long examples;

  ContinualTraining(ClassifierTrainer settings, BinaryClassifier model, Trainer trainer) {
    this.settings = settings;
    this.model = model;
    this.trainer = trainer;
    this.shuffle = new Random(settings.config().seed() * 31 + 7);
  }

  /**
   * Makes every later update move the normalisation statistics towards its examples, weighing them
   * against {@code memory} examples of history (see {@link
   * dev.freshet.model.network.NormalizationStats#updated}); 0 keeps them fixed (the default).
   * Returns this.
   */
  public ContinualTraining followNormalization(long memory) {
    if (memory < 0) {
      throw new IllegalArgumentException(
          "normalisation memory must be 0 (fixed) or a number of examples, got " + memory);
    }
    if (memory > 0 && model.external().isPresent()) {
      throw new IllegalArgumentException(
          "an imported network's normalisation is fixed at import: use normalisation memory 0");
    }
    this.normalizationMemory = memory;
    return this;
  }

  /** Trains the live model on these examples ({@code epochs} passes), optimiser state kept. */
  public void update(float[][] features, float[] labels) {
    if (features.length != labels.length) {
      throw new IllegalArgumentException(
          features.length + " feature vectors but " + labels.length + " labels");
    }
    if (features.length == 0) {
      return;
    }
    int[] all = new int[features.length];
    Arrays.setAll(all, i -> i);
    synchronized (ClassifierTrainer.engineLock()) {
      if (normalizationMemory > 0) {
        model =
            model.restandardized(
                model.normalization().updated(model.layout(), features, normalizationMemory));
      }
      settings.runEpochs(trainer, model, features, labels, all, shuffle);
    }
    updates++;
    examples += features.length;
  }

  /** The model being trained: valid until {@link #close()}, changed by every update. */
  public BinaryClassifier model() {
    return model;
  }

  /** An independent copy of the model as it is now (the caller closes it). */
  public BinaryClassifier snapshot() {
    return model.withCalibration(PlattCalibration.identity());
  }

  /** Updates made so far. */
  public long updates() {
    return updates;
  }

  /** Examples trained on so far (each counted once per update, whatever the passes). */
  public long examples() {
    return examples;
  }

  @Override
  public void close() {
    try {
      trainer.close();
    } finally {
      model.close();
    }
  }
}
