package dev.freshet.pipelines.bench.model;

/**
 * How far two models' scores of the same rows are apart: the largest and the mean absolute
 * difference, and how many decisions at threshold 0.5 differ.
 */
record ScoreComparison(int scores, double maxDiff, double meanDiff, int decisionsDiffer) {

  static ScoreComparison of(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "scores of different row counts: " + a.length + " and " + b.length);
    }
    double max = 0;
    double sum = 0;
    int flips = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs((double) a[i] - b[i]);
      max = Math.max(max, d);
      sum += d;
      if ((a[i] >= 0.5f) != (b[i] >= 0.5f)) {
        flips++;
      }
    }
    return new ScoreComparison(a.length, max, a.length == 0 ? 0 : sum / a.length, flips);
  }
}
