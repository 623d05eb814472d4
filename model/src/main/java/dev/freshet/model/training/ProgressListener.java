package dev.freshet.model.training;

/** Receives {@link TrainingProgress} reports, e.g. to print them in a command-line tool. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = progress -> {};

  void onProgress(TrainingProgress progress);
}
