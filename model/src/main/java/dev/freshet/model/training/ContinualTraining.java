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
 * calibration is the identity. Not thread-safe; updates in one JVM take turns with every other
 * training on {@link ClassifierTrainer}'s engine lock.
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
  private final BinaryClassifier model;
  private final Trainer trainer;
  private final Random shuffle;
  private long updates;
  private long examples;

  ContinualTraining(ClassifierTrainer settings, BinaryClassifier model, Trainer trainer) {
    this.settings = settings;
    this.model = model;
    this.trainer = trainer;
    this.shuffle = new Random(settings.config().seed() * 31 + 7);
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
