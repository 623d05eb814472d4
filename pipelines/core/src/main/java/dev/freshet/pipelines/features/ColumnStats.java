package dev.freshet.pipelines.features;

import dev.freshet.transforms.features.FeaturedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;

/** Per-column count, mean, min, max and share of non-zero values of feature vectors. */
public final class ColumnStats {
  long count;
  double[] sum;
  double[] min;
  double[] max;
  long[] nonZero;

  ColumnStats(int size) {
    sum = new double[size];
    min = new double[size];
    max = new double[size];
    nonZero = new long[size];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
  }

  void add(float[] v) {
    count++;
    for (int i = 0; i < v.length; i++) {
      sum[i] += v[i];
      min[i] = Math.min(min[i], v[i]);
      max[i] = Math.max(max[i], v[i]);
      if (v[i] != 0) {
        nonZero[i]++;
      }
    }
  }

  void merge(ColumnStats o) {
    count += o.count;
    for (int i = 0; i < sum.length; i++) {
      sum[i] += o.sum[i];
      min[i] = Math.min(min[i], o.min[i]);
      max[i] = Math.max(max[i], o.max[i]);
      nonZero[i] += o.nonZero[i];
    }
  }

  public long count() {
    return count;
  }

  public double mean(int i) {
    return count == 0 ? Double.NaN : sum[i] / count;
  }

  public double min(int i) {
    return min[i];
  }

  public double max(int i) {
    return max[i];
  }

  public double nonZeroShare(int i) {
    return count == 0 ? Double.NaN : nonZero[i] / (double) count;
  }

  /** Combines featured events into their column statistics. */
  public static final class Fn extends Combine.CombineFn<FeaturedEvent, ColumnStats, ColumnStats> {
    private final int size;

    public Fn(int size) {
      this.size = size;
    }

    @Override
    public ColumnStats createAccumulator() {
      return new ColumnStats(size);
    }

    @Override
    public ColumnStats addInput(ColumnStats acc, FeaturedEvent input) {
      acc.add(input.features());
      return acc;
    }

    @Override
    public ColumnStats mergeAccumulators(Iterable<ColumnStats> accumulators) {
      ColumnStats out = new ColumnStats(size);
      accumulators.forEach(out::merge);
      return out;
    }

    @Override
    public ColumnStats extractOutput(ColumnStats acc) {
      return acc;
    }

    @Override
    public Coder<ColumnStats> getAccumulatorCoder(CoderRegistry registry, Coder<FeaturedEvent> in) {
      return new StatsCoder();
    }

    @Override
    public Coder<ColumnStats> getDefaultOutputCoder(
        CoderRegistry registry, Coder<FeaturedEvent> in) {
      return new StatsCoder();
    }
  }

  /** Deterministic coder: the count, then per column sum, min, max and non-zero count. */
  static final class StatsCoder extends AtomicCoder<ColumnStats> {
    @Override
    public void encode(ColumnStats s, OutputStream out) throws IOException {
      VarLongCoder.of().encode(s.count, out);
      VarIntCoder.of().encode(s.sum.length, out);
      for (int i = 0; i < s.sum.length; i++) {
        DoubleCoder.of().encode(s.sum[i], out);
        DoubleCoder.of().encode(s.min[i], out);
        DoubleCoder.of().encode(s.max[i], out);
        VarLongCoder.of().encode(s.nonZero[i], out);
      }
    }

    @Override
    public ColumnStats decode(InputStream in) throws IOException {
      long count = VarLongCoder.of().decode(in);
      ColumnStats s = new ColumnStats(VarIntCoder.of().decode(in));
      s.count = count;
      for (int i = 0; i < s.sum.length; i++) {
        s.sum[i] = DoubleCoder.of().decode(in);
        s.min[i] = DoubleCoder.of().decode(in);
        s.max[i] = DoubleCoder.of().decode(in);
        s.nonZero[i] = VarLongCoder.of().decode(in);
      }
      return s;
    }
  }
}
