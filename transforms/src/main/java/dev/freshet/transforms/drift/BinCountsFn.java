package dev.freshet.transforms.drift;

import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * Combines a window's feature vectors into their {@link BinCounts}, the histogram {@link
 * DriftStatistics#compare} judges against a {@link DriftReference}:
 *
 * <pre>{@code
 * vectors.apply(Window.into(FixedWindows.of(Duration.standardHours(1))))
 *        .apply(Combine.globally(BinCountsFn.binning(reference)).withoutDefaults());
 * }</pre>
 *
 * {@link #binning} bins raw {@code float[]} vectors against one fixed reference. {@link #merging}
 * adds up counts binned upstream: use it when the reference depends on the element (serving bins
 * each vector against the reference of the model version that scored it, then combines per
 * version).
 */
public final class BinCountsFn {
  private BinCountsFn() {}

  /** Bins each {@code float[]} vector against {@code reference} and counts. */
  public static CombineFn<float[], BinCounts, BinCounts> binning(DriftReference reference) {
    return new Binning(Objects.requireNonNull(reference, "reference"));
  }

  /** Adds up counts that were binned upstream (for example {@code BinCounts.of(bins)}). */
  public static CombineFn<BinCounts, BinCounts, BinCounts> merging() {
    return new Merging();
  }

  private abstract static class Counting<InputT> extends CombineFn<InputT, BinCounts, BinCounts> {
    @Override
    public BinCounts createAccumulator() {
      return BinCounts.empty();
    }

    @Override
    public BinCounts mergeAccumulators(Iterable<BinCounts> accumulators) {
      BinCounts merged = BinCounts.empty();
      for (BinCounts a : accumulators) {
        merged.merge(a);
      }
      return merged;
    }

    @Override
    public BinCounts extractOutput(BinCounts accumulator) {
      return accumulator;
    }

    @Override
    public Coder<BinCounts> getAccumulatorCoder(CoderRegistry registry, Coder<InputT> input) {
      return BinCounts.coder();
    }

    @Override
    public Coder<BinCounts> getDefaultOutputCoder(CoderRegistry registry, Coder<InputT> input) {
      return BinCounts.coder();
    }
  }

  private static final class Binning extends Counting<float[]> {
    private final DriftReference reference;

    Binning(DriftReference reference) {
      this.reference = reference;
    }

    @Override
    public BinCounts addInput(BinCounts accumulator, float[] vector) {
      return accumulator.add(reference, vector);
    }
  }

  private static final class Merging extends Counting<BinCounts> {
    @Override
    public BinCounts addInput(BinCounts accumulator, BinCounts counts) {
      return accumulator.merge(counts);
    }
  }
}
