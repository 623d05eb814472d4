package dev.freshet.pipelines.bench.model;

import dev.freshet.model.FeatureLayout;
import java.util.Random;

/**
 * The benchmark's data: rows of standard-normal numeric columns and categorical ids in 100 buckets,
 * labelled by a logistic model of them, from a seeded generator (the same seed gives the same
 * rows).
 */
record SyntheticRows(FeatureLayout layout, float[][] features, float[] labels) {

  static FeatureLayout layout(int numeric, int categorical) {
    FeatureLayout.Builder b = FeatureLayout.builder("bench");
    for (int i = 0; i < numeric; i++) {
      b.numeric("n" + i);
    }
    for (int i = 0; i < categorical; i++) {
      b.categorical("c" + i, 100);
    }
    return b.build();
  }

  static SyntheticRows generate(FeatureLayout layout, int rows, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[rows][];
    float[] y = new float[rows];
    int width = layout.size();
    int[] cat = layout.categoricalIndices();
    for (int i = 0; i < rows; i++) {
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
    return new SyntheticRows(layout, x, y);
  }
}
