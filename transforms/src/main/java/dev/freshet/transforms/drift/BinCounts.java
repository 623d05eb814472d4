package dev.freshet.transforms.drift;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * How many vectors of a window fell in each bin of each feature: the histogram a window is judged
 * by. Mergeable (counts add up), so it is the accumulator of {@link BinCountsFn} and combines in
 * any order on any runner. The arrays grow as bins are seen, so counts can be gathered before the
 * reference is known; {@link DriftStatistics#compare} reads missing entries as zero.
 *
 * <p>Vectors added against a reference ({@link #add(DriftReference, float[])}) are also counted
 * below and above each feature's reference range, with the lowest and highest finite value seen, so
 * that values the model never saw in training can be reported with how far they went.
 *
 * <p>Mutable: {@link #add} and {@link #merge} change this instance.
 */
public final class BinCounts implements Serializable {
  private long[][] counts;
  private long examples;
  private long[] below;
  private long[] above;
  private float[] lowest;
  private float[] highest;

  private BinCounts(
      long[][] counts, long examples, long[] below, long[] above, float[] lowest, float[] highest) {
    this.counts = counts;
    this.examples = examples;
    this.below = below;
    this.above = above;
    this.lowest = lowest;
    this.highest = highest;
  }

  /** No vectors yet. */
  public static BinCounts empty() {
    return new BinCounts(new long[0][], 0, new long[0], new long[0], new float[0], new float[0]);
  }

  /**
   * Counts one more vector, binned against {@code reference}, with its values outside each
   * feature's reference range and the extremes seen.
   */
  public BinCounts add(DriftReference reference, float[] vector) {
    add(reference.bin(vector));
    for (int f = 0; f < vector.length; f++) {
      float v = vector[f];
      int side = reference.features().get(f).outside(v);
      if (side < 0) {
        below[f]++;
      } else if (side > 0) {
        above[f]++;
      }
      if (Float.isFinite(v)) {
        lowest[f] = Math.min(lowest[f], v);
        highest[f] = Math.max(highest[f], v);
      }
    }
    return this;
  }

  /** One vector, given as the bin of each feature (see {@link DriftReference#bin}). */
  public static BinCounts of(int[] bins) {
    return empty().add(bins);
  }

  /** Counts one more vector, given as the bin of each feature. */
  public BinCounts add(int[] bins) {
    grow(bins.length);
    for (int f = 0; f < bins.length; f++) {
      if (bins[f] < 0) {
        throw new IllegalArgumentException("negative bin " + bins[f] + " for feature " + f);
      }
      if (counts[f].length <= bins[f]) {
        counts[f] = Arrays.copyOf(counts[f], bins[f] + 1);
      }
      counts[f][bins[f]]++;
    }
    examples++;
    return this;
  }

  /** Adds {@code other}'s counts to these; returns this. */
  public BinCounts merge(BinCounts other) {
    grow(other.counts.length);
    for (int f = 0; f < other.counts.length; f++) {
      long[] theirs = other.counts[f];
      if (counts[f].length < theirs.length) {
        counts[f] = Arrays.copyOf(counts[f], theirs.length);
      }
      for (int b = 0; b < theirs.length; b++) {
        counts[f][b] += theirs[b];
      }
      below[f] += other.below[f];
      above[f] += other.above[f];
      lowest[f] = Math.min(lowest[f], other.lowest[f]);
      highest[f] = Math.max(highest[f], other.highest[f]);
    }
    examples += other.examples;
    return this;
  }

  private void grow(int features) {
    if (counts.length < features) {
      int old = counts.length;
      counts = Arrays.copyOf(counts, features);
      below = Arrays.copyOf(below, features);
      above = Arrays.copyOf(above, features);
      lowest = Arrays.copyOf(lowest, features);
      highest = Arrays.copyOf(highest, features);
      for (int f = old; f < features; f++) {
        counts[f] = new long[0];
        lowest[f] = Float.POSITIVE_INFINITY;
        highest[f] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  /** Number of vectors counted. */
  public long examples() {
    return examples;
  }

  /** Number of features seen so far. */
  public int features() {
    return counts.length;
  }

  /** The count of {@code bin} of {@code feature}; zero where nothing was seen. */
  public long count(int feature, int bin) {
    return feature < counts.length && bin < counts[feature].length ? counts[feature][bin] : 0;
  }

  /** Vectors whose {@code feature} lay below its reference range. */
  public long below(int feature) {
    return feature < below.length ? below[feature] : 0;
  }

  /** Vectors whose {@code feature} lay above its reference range. */
  public long above(int feature) {
    return feature < above.length ? above[feature] : 0;
  }

  /** The lowest finite value of {@code feature} seen; +infinity when none. */
  public float lowest(int feature) {
    return feature < lowest.length ? lowest[feature] : Float.POSITIVE_INFINITY;
  }

  /** The highest finite value of {@code feature} seen; -infinity when none. */
  public float highest(int feature) {
    return feature < highest.length ? highest[feature] : Float.NEGATIVE_INFINITY;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BinCounts other) || other.examples != examples) {
      return false;
    }
    int features = Math.max(counts.length, other.counts.length);
    for (int f = 0; f < features; f++) {
      int bins =
          Math.max(
              f < counts.length ? counts[f].length : 0,
              f < other.counts.length ? other.counts[f].length : 0);
      for (int b = 0; b < bins; b++) {
        if (count(f, b) != other.count(f, b)) {
          return false;
        }
      }
      if (below(f) != other.below(f)
          || above(f) != other.above(f)
          || Float.compare(lowest(f), other.lowest(f)) != 0
          || Float.compare(highest(f), other.highest(f)) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(examples);
  }

  @Override
  public String toString() {
    return "BinCounts{" + examples + " examples, " + Arrays.deepToString(counts) + "}";
  }

  /**
   * A deterministic coder: the example count, then per feature its bin counts as var-longs, the
   * counts below and above the range and the extremes seen.
   */
  public static Coder<BinCounts> coder() {
    return BinCountsCoder.INSTANCE;
  }

  private static final class BinCountsCoder extends AtomicCoder<BinCounts> {
    static final BinCountsCoder INSTANCE = new BinCountsCoder();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final FloatCoder FLOAT = FloatCoder.of();

    @Override
    public void encode(BinCounts value, OutputStream out) throws IOException {
      LONG.encode(value.examples, out);
      INT.encode(value.counts.length, out);
      for (int f = 0; f < value.counts.length; f++) {
        INT.encode(value.counts[f].length, out);
        for (long c : value.counts[f]) {
          LONG.encode(c, out);
        }
        LONG.encode(value.below[f], out);
        LONG.encode(value.above[f], out);
        FLOAT.encode(value.lowest[f], out);
        FLOAT.encode(value.highest[f], out);
      }
    }

    @Override
    public BinCounts decode(InputStream in) throws IOException {
      long examples = LONG.decode(in);
      int features = INT.decode(in);
      long[][] counts = new long[features][];
      long[] below = new long[features];
      long[] above = new long[features];
      float[] lowest = new float[features];
      float[] highest = new float[features];
      for (int f = 0; f < features; f++) {
        counts[f] = new long[INT.decode(in)];
        for (int b = 0; b < counts[f].length; b++) {
          counts[f][b] = LONG.decode(in);
        }
        below[f] = LONG.decode(in);
        above[f] = LONG.decode(in);
        lowest[f] = FLOAT.decode(in);
        highest[f] = FLOAT.decode(in);
      }
      return new BinCounts(counts, examples, below, above, lowest, highest);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
