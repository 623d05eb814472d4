package dev.freshet.pipelines.bench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.DeviceOption;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Batched scoring latency per device through {@link Scorer} (Predictor, translator, calibration)
 * against raw DJL calls on the same model and rows (standardise with the stored statistics, {@code
 * block.forward}, sigmoid, copy out, in a closed scope), interleaved call by call.
 */
final class ScoringLatency {
  private static final int[] BATCHES = {1, 32, 512};

  private ScoringLatency() {}

  static void print(
      PrintStream out,
      ModelConfig base,
      List<DeviceOption> devices,
      SyntheticRows d,
      int iterations) {
    out.printf(
        Locale.ROOT,
        "Scoring latency: Scorer against raw DJL, %,d calls per batch size (a quarter at 512)%n%n",
        iterations);
    out.println(
        "| device | batch | raw p50 µs | Scorer p50 µs | Scorer p99 µs | Scorer rows/s"
            + " | overhead p50 | standardise µs |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (DeviceOption device : devices) {
      ModelConfig config = base.toBuilder().device(device).batchSize(512).build();
      try (BinaryClassifier model =
              ClassifierTrainer.of(config).train(d.layout(), d.features(), d.labels());
          Scorer scorer = model.newScorer()) {
        for (int batch : BATCHES) {
          row(out, device, model, scorer, Arrays.copyOfRange(d.features(), 0, batch), iterations);
        }
      }
    }
    out.println();
  }

  private static void row(
      PrintStream out,
      DeviceOption device,
      BinaryClassifier model,
      Scorer scorer,
      float[][] rows,
      int iterations) {
    int batch = rows.length;
    int calls = batch >= 512 ? Math.max(10, iterations / 4) : iterations;
    long[] wrapped = new long[calls];
    long[] raw = new long[calls];
    float check = 0;
    for (int i = 0; i < calls / 5 + 5; i++) {
      check += scorer.score(rows)[0] + rawScore(model, rows)[0];
    }
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      check += scorer.score(rows)[0];
      long t1 = System.nanoTime();
      check += rawScore(model, rows)[0];
      wrapped[i] = t1 - t0;
      raw[i] = System.nanoTime() - t1;
    }
    float[] scratch = new float[batch * model.encoder().width()];
    long encodeStart = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      model.encoder().encodeInto(rows, scratch);
    }
    double encodeMicros = (System.nanoTime() - encodeStart) / 1e3 / calls;
    if (Float.isNaN(check)) {
      throw new IllegalStateException("a score was NaN on " + device);
    }
    Stats w = Stats.of(wrapped, batch);
    Stats r = Stats.of(raw, batch);
    out.printf(
        Locale.ROOT,
        "| %s | %,d | %.1f | %.1f | %.1f | %,.0f | %+.1f%% | %.1f |%n",
        device,
        batch,
        r.p50 / 1e3,
        w.p50 / 1e3,
        w.p99 / 1e3,
        w.rowsPerSecond,
        100.0 * (w.p50 - r.p50) / r.p50,
        encodeMicros);
  }

  /**
   * The bare DJL path: standardise (a raw caller must, or the scores are wrong), forward, sigmoid.
   */
  private static float[] rawScore(BinaryClassifier model, float[][] rows) {
    Block block = model.block();
    float[] encoded = model.encoder().encode(rows);
    try (NDManager manager = model.djlModel().getNDManager().newSubManager()) {
      NDArray input = manager.create(encoded, new Shape(rows.length, encoded.length / rows.length));
      NDArray logits =
          block
              .forward(new ParameterStore(manager, false), new NDList(input), false)
              .singletonOrThrow();
      return Activation.sigmoid(logits).toFloatArray();
    }
  }

  private record Stats(double p50, double p99, double mean, double rowsPerSecond) {
    static Stats of(long[] nanos, int batch) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
      return new Stats(
          sorted[(int) Math.floor(0.50 * (sorted.length - 1))],
          sorted[(int) Math.floor(0.99 * (sorted.length - 1))],
          mean,
          batch / (mean / 1e9));
    }
  }
}
