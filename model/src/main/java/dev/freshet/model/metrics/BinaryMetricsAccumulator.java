package dev.freshet.model.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Mergeable state behind {@link BinaryMetrics}; usable without Beam ({@link #add}, {@link #merge},
 * {@link #result}) and as the accumulator of {@link BinaryMetricsFn}.
 *
 * <p><b>AUC.</b> Exact by default: a sorted map from each distinct score to its positive and
 * negative counts (memory O(distinct scores), about 100 bytes each). AUC is the Mann-Whitney
 * statistic over that map, so equal scores count as half a correctly ordered pair. Once a map holds
 * more than {@code maxDistinctScores} (default {@value #DEFAULT_MAX_DISTINCT}) scores it turns into
 * a fixed histogram of {@value #BINS} equal bins over [0, 1] (memory 160 KB): equal scores still
 * share a bin, so ties stay exact, but distinct scores in one bin also count as ties. Whether the
 * result is exact depends only on the number of distinct scores in all merged data, so merge order
 * never changes it.
 *
 * <p>Not thread-safe; mutable (merge changes the receiver).
 */
public final class BinaryMetricsAccumulator {
  static final int DEFAULT_MAX_DISTINCT = 100_000;
  static final int BINS = 10_000;
  private static final double EPS = 1e-15;

  private final double threshold;
  private final int maxDistinctScores;
  private long examples;
  private long positives;
  private long correct;
  private double sumPrediction;
  private double sumLogLoss;

  /** Exact mode: score -> {negatives, positives}; null once binned. */
  private TreeMap<Double, long[]> distinct = new TreeMap<>();

  /** Binned mode: counts per bin; null while exact. */
  private long[] binNegatives;

  private long[] binPositives;

  public BinaryMetricsAccumulator(double threshold) {
    this(threshold, DEFAULT_MAX_DISTINCT);
  }

  public BinaryMetricsAccumulator(double threshold, int maxDistinctScores) {
    this.threshold = threshold;
    this.maxDistinctScores = maxDistinctScores;
  }

  /** Accumulator with threshold 0.5. */
  public static BinaryMetricsAccumulator create() {
    return new BinaryMetricsAccumulator(0.5);
  }

  /** Adds one example: {@code score} a probability in [0, 1], {@code label} the outcome. */
  public BinaryMetricsAccumulator add(double score, boolean label) {
    if (Double.isNaN(score)) {
      throw new IllegalArgumentException("score is NaN");
    }
    examples++;
    if (label) {
      positives++;
    }
    if ((score >= threshold) == label) {
      correct++;
    }
    sumPrediction += score;
    sumLogLoss -= label ? Math.log(Math.max(EPS, score)) : Math.log(Math.max(EPS, 1 - score));
    addScore(score, label ? 0 : 1, label ? 1 : 0);
    return this;
  }

  /** Adds parallel arrays of scores and 0/1 labels. */
  public BinaryMetricsAccumulator addAll(float[] scores, float[] labels) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException("scores and labels differ in length");
    }
    for (int i = 0; i < scores.length; i++) {
      add(scores[i], labels[i] > 0.5f);
    }
    return this;
  }

  private void addScore(double score, long neg, long pos) {
    if (distinct != null) {
      long[] c = distinct.computeIfAbsent(score, s -> new long[2]);
      c[0] += neg;
      c[1] += pos;
      if (distinct.size() > maxDistinctScores) {
        toBins();
      }
    } else {
      int b = bin(score);
      binNegatives[b] += neg;
      binPositives[b] += pos;
    }
  }

  private static int bin(double score) {
    return (int) Math.max(0, Math.min(BINS - 1, Math.floor(score * BINS)));
  }

  private void toBins() {
    binNegatives = new long[BINS];
    binPositives = new long[BINS];
    for (Map.Entry<Double, long[]> e : distinct.entrySet()) {
      int b = bin(e.getKey());
      binNegatives[b] += e.getValue()[0];
      binPositives[b] += e.getValue()[1];
    }
    distinct = null;
  }

  /** Adds {@code other}'s data to this accumulator and returns this. */
  public BinaryMetricsAccumulator merge(BinaryMetricsAccumulator other) {
    if (other.threshold != threshold) {
      throw new IllegalArgumentException(
          "cannot merge accumulators with thresholds " + threshold + " and " + other.threshold);
    }
    examples += other.examples;
    positives += other.positives;
    correct += other.correct;
    sumPrediction += other.sumPrediction;
    sumLogLoss += other.sumLogLoss;
    if (other.distinct != null) {
      for (Map.Entry<Double, long[]> e : other.distinct.entrySet()) {
        addScore(e.getKey(), e.getValue()[0], e.getValue()[1]);
      }
    } else {
      if (distinct != null) {
        toBins();
      }
      for (int b = 0; b < BINS; b++) {
        binNegatives[b] += other.binNegatives[b];
        binPositives[b] += other.binPositives[b];
      }
    }
    return this;
  }

  /** The metrics of everything added so far. */
  public BinaryMetrics result() {
    long negatives = examples - positives;
    double baseRate = examples == 0 ? Double.NaN : (double) positives / examples;
    double logLoss = examples == 0 ? Double.NaN : sumLogLoss / examples;
    double meanPrediction = examples == 0 ? Double.NaN : sumPrediction / examples;
    double entropy =
        positives == 0 || negatives == 0
            ? Double.NaN
            : -(baseRate * Math.log(baseRate) + (1 - baseRate) * Math.log1p(-baseRate));
    return new BinaryMetrics(
        examples,
        positives,
        threshold,
        auc(),
        distinct != null,
        logLoss,
        logLoss / entropy,
        meanPrediction,
        baseRate,
        positives == 0 ? Double.NaN : meanPrediction / baseRate,
        examples == 0 ? Double.NaN : (double) correct / examples);
  }

  /** Mann-Whitney U / (P * N), walking scores in ascending order. */
  private double auc() {
    long negatives = examples - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double pairs = 0;
    long negativesBelow = 0;
    if (distinct != null) {
      for (long[] c : distinct.values()) {
        pairs += c[1] * (negativesBelow + c[0] / 2.0);
        negativesBelow += c[0];
      }
    } else {
      for (int b = 0; b < BINS; b++) {
        pairs += binPositives[b] * (negativesBelow + binNegatives[b] / 2.0);
        negativesBelow += binNegatives[b];
      }
    }
    return pairs / ((double) positives * negatives);
  }

  double threshold() {
    return threshold;
  }

  /** Deterministic coder: sums, then either the sorted score map or the histogram. */
  public static final class AccumulatorCoder extends CustomCoder<BinaryMetricsAccumulator> {
    private static final AccumulatorCoder INSTANCE = new AccumulatorCoder();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final DoubleCoder DOUBLE = DoubleCoder.of();

    public static AccumulatorCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(BinaryMetricsAccumulator a, OutputStream out) throws IOException {
      DOUBLE.encode(a.threshold, out);
      INT.encode(a.maxDistinctScores, out);
      LONG.encode(a.examples, out);
      LONG.encode(a.positives, out);
      LONG.encode(a.correct, out);
      DOUBLE.encode(a.sumPrediction, out);
      DOUBLE.encode(a.sumLogLoss, out);
      if (a.distinct != null) {
        out.write(0);
        INT.encode(a.distinct.size(), out);
        for (Map.Entry<Double, long[]> e : a.distinct.entrySet()) {
          DOUBLE.encode(e.getKey(), out);
          LONG.encode(e.getValue()[0], out);
          LONG.encode(e.getValue()[1], out);
        }
      } else {
        out.write(1);
        for (int b = 0; b < BINS; b++) {
          LONG.encode(a.binNegatives[b], out);
          LONG.encode(a.binPositives[b], out);
        }
      }
    }

    @Override
    public BinaryMetricsAccumulator decode(InputStream in) throws IOException {
      BinaryMetricsAccumulator a = new BinaryMetricsAccumulator(DOUBLE.decode(in), INT.decode(in));
      a.examples = LONG.decode(in);
      a.positives = LONG.decode(in);
      a.correct = LONG.decode(in);
      a.sumPrediction = DOUBLE.decode(in);
      a.sumLogLoss = DOUBLE.decode(in);
      int mode = in.read();
      if (mode == 0) {
        int n = INT.decode(in);
        for (int i = 0; i < n; i++) {
          a.distinct.put(DOUBLE.decode(in), new long[] {LONG.decode(in), LONG.decode(in)});
        }
      } else {
        a.distinct = null;
        a.binNegatives = new long[BINS];
        a.binPositives = new long[BINS];
        for (int b = 0; b < BINS; b++) {
          a.binNegatives[b] = LONG.decode(in);
          a.binPositives[b] = LONG.decode(in);
        }
      }
      return a;
    }

    @Override
    public void verifyDeterministic() {}
  }
}
