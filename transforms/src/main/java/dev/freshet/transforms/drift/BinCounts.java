package dev.freshet.transforms.drift;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * How many vectors of a window fell in each bin of each feature: the histogram a window is judged
 * by. Mergeable (counts add up), so it is the accumulator of {@link BinCountsFn} and combines in
 * any order on any runner. The arrays grow as bins are seen, so counts can be gathered before the
 * reference is known; {@link DriftStatistics#compare} reads missing entries as zero.
 *
 * <p>Mutable: {@link #add} and {@link #merge} change this instance.
 */
public final class BinCounts implements Serializable {
  private long[][] counts;
  private long examples;

  private BinCounts(long[][] counts, long examples) {
    this.counts = counts;
    this.examples = examples;
  }

  /** No vectors yet. */
  public static BinCounts empty() {
    return new BinCounts(new long[0][], 0);
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
    }
    examples += other.examples;
    return this;
  }

  private void grow(int features) {
    if (counts.length < features) {
      int old = counts.length;
      counts = Arrays.copyOf(counts, features);
      for (int f = old; f < features; f++) {
        counts[f] = new long[0];
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

  /** A deterministic coder: the example count, then each feature's counts as var-longs. */
  public static Coder<BinCounts> coder() {
    return BinCountsCoder.INSTANCE;
  }

  private static final class BinCountsCoder extends AtomicCoder<BinCounts> {
    static final BinCountsCoder INSTANCE = new BinCountsCoder();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    @Override
    public void encode(BinCounts value, OutputStream out) throws IOException {
      LONG.encode(value.examples, out);
      INT.encode(value.counts.length, out);
      for (long[] feature : value.counts) {
        INT.encode(feature.length, out);
        for (long c : feature) {
          LONG.encode(c, out);
        }
      }
    }

    @Override
    public BinCounts decode(InputStream in) throws IOException {
      long examples = LONG.decode(in);
      long[][] counts = new long[INT.decode(in)][];
      for (int f = 0; f < counts.length; f++) {
        counts[f] = new long[INT.decode(in)];
        for (int b = 0; b < counts[f].length; b++) {
          counts[f][b] = LONG.decode(in);
        }
      }
      return new BinCounts(counts, examples);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
