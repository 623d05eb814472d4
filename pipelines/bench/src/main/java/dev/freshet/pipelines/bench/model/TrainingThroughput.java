package dev.freshet.pipelines.bench.model;

import dev.freshet.model.DeviceOption;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.training.ClassifierTrainer;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Training throughput per device and batch size: one epoch, timed after a warm-up epoch. */
final class TrainingThroughput {
  private static final int[] BATCHES = {32, 512, 4096};

  private TrainingThroughput() {}

  static void print(
      PrintStream out, ModelConfig base, List<DeviceOption> devices, SyntheticRows d) {
    out.println("Training throughput (1 epoch after a warm-up epoch)");
    out.println();
    out.println("| device | batch | examples/s | seconds |");
    out.println("|---|---:|---:|---:|");
    for (DeviceOption device : devices) {
      for (int batch : BATCHES) {
        ModelConfig config = base.toBuilder().device(device).batchSize(batch).build();
        ClassifierTrainer.of(config).train(d.layout(), d.features(), d.labels()).close();
        long start = System.nanoTime();
        ClassifierTrainer.of(config).train(d.layout(), d.features(), d.labels()).close();
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(
            Locale.ROOT,
            "| %s | %,d | %,.0f | %.3f |%n",
            device,
            batch,
            d.features().length / seconds,
            seconds);
      }
    }
    out.println();
  }
}
