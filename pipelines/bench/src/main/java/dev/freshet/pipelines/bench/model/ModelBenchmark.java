package dev.freshet.pipelines.bench.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Prints CPU training throughput at several batch sizes, and batched prediction latency and
 * throughput through {@link Scorer} against raw DJL calls on the same model and the same rows
 * (standardise with the stored statistics, {@code block.forward}, sigmoid), interleaved call by
 * call. A program, not a test.
 */
public final class ModelBenchmark {
  private static final int[] TRAIN_BATCHES = {32, 512, 4096};
  private static final int[] SCORE_BATCHES = {1, 32, 512};

  private ModelBenchmark() {}

  public static void main(String[] args) {
    int trainExamples = 16_384;
    int iterations = 2_000;
    int numeric = 26;
    int categorical = 4;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--help", "-h" -> {
          System.out.println(
              "Usage: ModelBenchmark [--trainExamples N] [--iterations N] [--numeric N]"
                  + " [--categorical N]\n"
                  + "  --trainExamples  examples per training measurement (default 16384)\n"
                  + "  --iterations      timed scoring calls per batch size and path (default"
                  + " 2000; batch 512 uses a quarter)\n"
                  + "  --numeric         numeric feature columns (default 26)\n"
                  + "  --categorical     categorical columns with 100 buckets (default 4)\n"
                  + "Run with -Dai.djl.offline=true and pytorch-native-cpu on the class path.");
          return;
        }
        case "--trainExamples" -> trainExamples = Integer.parseInt(args[++i]);
        case "--iterations" -> iterations = Integer.parseInt(args[++i]);
        case "--numeric" -> numeric = Integer.parseInt(args[++i]);
        case "--categorical" -> categorical = Integer.parseInt(args[++i]);
        default ->
            throw new IllegalArgumentException("unknown argument " + args[i] + "; see --help");
      }
    }
    FeatureLayout layout = layout(numeric, categorical);
    float[][] x = new float[trainExamples][];
    float[] y = new float[trainExamples];
    generate(layout, x, y, new Random(1));
    ModelConfig base = ModelConfig.builder().hiddenLayers(64, 32).embeddingDim(4).epochs(1).build();
    System.out.printf(
        Locale.ROOT,
        "Model %s, %d features (%d numeric, %d categorical), %d threads available%n%n",
        base.hiddenLayers(),
        layout.size(),
        numeric,
        categorical,
        Runtime.getRuntime().availableProcessors());

    System.out.println("Training throughput (CPU, 1 epoch after a warm-up epoch)");
    System.out.printf(Locale.ROOT, "%10s %14s %12s%n", "batch", "examples/s", "seconds");
    for (int batch : TRAIN_BATCHES) {
      ModelConfig config = base.toBuilder().batchSize(batch).build();
      ClassifierTrainer.of(config).train(layout, x, y).close();
      long start = System.nanoTime();
      ClassifierTrainer.of(config).train(layout, x, y).close();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT, "%10d %14.0f %12.3f%n", batch, trainExamples / seconds, seconds);
    }

    System.out.println();
    System.out.println(
        "Scoring: Scorer (Predictor + translator + calibration) vs raw DJL (standardise + forward + sigmoid)");
    System.out.printf(
        Locale.ROOT,
        "%6s %-8s %10s %10s %10s %10s %14s%n",
        "batch",
        "path",
        "p50 us",
        "p99 us",
        "mean us",
        "rows/s",
        "overhead p50");
    try (BinaryClassifier model =
            ClassifierTrainer.of(base.toBuilder().batchSize(512).build()).train(layout, x, y);
        Scorer scorer = model.newScorer()) {
      for (int batch : SCORE_BATCHES) {
        int calls = batch >= 512 ? Math.max(10, iterations / 4) : iterations;
        float[][] rows = Arrays.copyOfRange(x, 0, batch);
        float[] scratch = new float[batch * model.encoder().width()];
        long[] wrapped = new long[calls];
        long[] raw = new long[calls];
        float check = 0;
        for (int i = 0; i < calls / 5 + 5; i++) {
          check += scorer.score(rows)[0] + rawScore(model, rows, batch)[0];
        }
        for (int i = 0; i < calls; i++) {
          long t0 = System.nanoTime();
          check += scorer.score(rows)[0];
          long t1 = System.nanoTime();
          check += rawScore(model, rows, batch)[0];
          long t2 = System.nanoTime();
          wrapped[i] = t1 - t0;
          raw[i] = t2 - t1;
        }
        Stats w = Stats.of(wrapped, batch);
        Stats r = Stats.of(raw, batch);
        print(batch, "raw", r, "");
        print(
            batch,
            "Scorer",
            w,
            String.format(Locale.ROOT, "%+.1f%%", 100.0 * (w.p50 - r.p50) / r.p50));
        long encodeStart = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          model.encoder().encodeInto(rows, scratch);
        }
        System.out.printf(
            Locale.ROOT,
            "%6d %-8s %10.1f  (mean us of the standardisation both paths do)%n",
            batch,
            "encode",
            (System.nanoTime() - encodeStart) / 1e3 / calls);
        if (Float.isNaN(check)) {
          System.out.println("NaN score");
        }
      }
    }
  }

  /**
   * The bare DJL path, from the same rows: standardise with the model's stored statistics (a raw
   * DJL caller must, or the scores are wrong), forward, sigmoid, copy out, in a closed scope.
   */
  private static float[] rawScore(BinaryClassifier model, float[][] rows, int batch) {
    Block block = model.block();
    float[] encoded = model.encoder().encode(rows);
    try (NDManager manager = model.djlModel().getNDManager().newSubManager()) {
      NDArray input = manager.create(encoded, new Shape(batch, encoded.length / batch));
      NDArray logits =
          block
              .forward(new ParameterStore(manager, false), new NDList(input), false)
              .singletonOrThrow();
      return Activation.sigmoid(logits).toFloatArray();
    }
  }

  private static void print(int batch, String path, Stats s, String overhead) {
    System.out.printf(
        Locale.ROOT,
        "%6d %-8s %10.1f %10.1f %10.1f %10.0f %14s%n",
        batch,
        path,
        s.p50 / 1e3,
        s.p99 / 1e3,
        s.mean / 1e3,
        s.rowsPerSecond,
        overhead);
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

  private static FeatureLayout layout(int numeric, int categorical) {
    FeatureLayout.Builder b = FeatureLayout.builder("bench");
    for (int i = 0; i < numeric; i++) {
      b.numeric("n" + i);
    }
    for (int i = 0; i < categorical; i++) {
      b.categorical("c" + i, 100);
    }
    return b.build();
  }

  private static void generate(FeatureLayout layout, float[][] x, float[] y, Random r) {
    int width = layout.size();
    int[] cat = layout.categoricalIndices();
    for (int i = 0; i < x.length; i++) {
      float[] row = new float[width];
      double z = 0;
      for (int j = 0; j < width; j++) {
        row[j] = (float) r.nextGaussian();
        z += (j % 3 == 0 ? 0.3 : -0.1) * row[j];
      }
      for (int c : cat) {
        row[c] = r.nextInt(100);
        z += row[c] < 10 ? 0.5 : 0;
      }
      x[i] = row;
      y[i] = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1f : 0f;
    }
  }
}
