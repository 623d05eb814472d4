package dev.freshet.model.training;

import java.time.Duration;

/**
 * A progress report after each epoch of a training run.
 *
 * @param epoch 1-based epoch just finished
 * @param examplesSeen training examples processed so far in this run (over all epochs)
 * @param meanLoss mean (class-weighted) binary cross-entropy of the epoch's batches
 * @param elapsed wall time since the run started
 */
public record TrainingProgress(int epoch, long examplesSeen, double meanLoss, Duration elapsed) {}
