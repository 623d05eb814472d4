package dev.freshet.model;

import java.util.Random;

/**
 * Seeded synthetic examples: {@code label = x0 + x1 + effect(city) > 1} with a noise column, where
 * cities 0-2 add 0.5 and cities 7-9 subtract 0.5, so the categorical column matters.
 */
public final class SyntheticData {
  public static final FeatureLayout LAYOUT =
      FeatureLayout.builder("spec-v1")
          .numeric("x0")
          .numeric("x1")
          .numeric("noise")
          .categorical("city", 10)
          .build();

  public final float[][] features;
  public final float[] labels;

  private SyntheticData(float[][] features, float[] labels) {
    this.features = features;
    this.labels = labels;
  }

  public static SyntheticData generate(int n, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      float x0 = r.nextFloat();
      float x1 = r.nextFloat();
      int city = r.nextInt(10);
      float effect = city <= 2 ? 0.5f : city >= 7 ? -0.5f : 0f;
      x[i] = new float[] {x0 * 100f, x1, (float) r.nextGaussian() * 5f, city};
      y[i] = x0 + x1 + effect > 1f ? 1f : 0f;
    }
    return new SyntheticData(x, y);
  }

  /** Rare positives: label 1 with probability sigmoid(3*x0 - 5) (about 3-5%). */
  public static SyntheticData imbalanced(int n, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      float x0 = (float) r.nextGaussian();
      int city = r.nextInt(10);
      double p = 1 / (1 + Math.exp(-(1.5 * x0 - 3.5 + (city == 0 ? 1 : 0))));
      x[i] = new float[] {x0, (float) r.nextGaussian(), (float) r.nextGaussian(), city};
      y[i] = r.nextDouble() < p ? 1f : 0f;
    }
    return new SyntheticData(x, y);
  }
}
