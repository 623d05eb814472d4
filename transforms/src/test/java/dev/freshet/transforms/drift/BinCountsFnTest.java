package dev.freshet.transforms.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.transforms.features.FeatureVectorCoder;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;

/** Binning a window's vectors in a pipeline: counts per event-time window, mergeable, coded. */
public class BinCountsFnTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final DriftReference REFERENCE =
      DriftReference.fitter(2).numeric("x").fit(new float[][] {{1}, {2}, {3}, {4}});

  @Test
  public void countsEachEventTimeWindowOnItsOwn() {
    Instant t0 = new Instant(0);
    TestStream<float[]> vectors =
        TestStream.create(FeatureVectorCoder.of())
            .addElements(
                TimestampedValue.of(new float[] {1}, t0),
                TimestampedValue.of(new float[] {4}, t0.plus(Duration.standardMinutes(10))),
                TimestampedValue.of(new float[] {Float.NaN}, t0.plus(Duration.standardMinutes(20))))
            .advanceWatermarkTo(t0.plus(Duration.standardMinutes(70)))
            .addElements(
                TimestampedValue.of(new float[] {5}, t0.plus(Duration.standardMinutes(61))))
            .advanceWatermarkToInfinity();
    PCollection<BinCounts> counts =
        p.apply(vectors)
            .apply(Window.into(FixedWindows.of(Duration.standardHours(1))))
            .apply(Combine.globally(BinCountsFn.binning(REFERENCE)).withoutDefaults());
    // Edge at the median 2: bins (-inf, 2], (2, inf), missing.
    PAssert.that(counts)
        .inWindow(new IntervalWindow(t0, Duration.standardHours(1)))
        .containsInAnyOrder(
            BinCounts.empty()
                .add(REFERENCE, new float[] {1})
                .add(REFERENCE, new float[] {4})
                .add(REFERENCE, new float[] {Float.NaN}));
    PAssert.that(counts)
        .inWindow(new IntervalWindow(t0.plus(Duration.standardHours(1)), Duration.standardHours(1)))
        .containsInAnyOrder(BinCounts.empty().add(REFERENCE, new float[] {5}));
    p.run();
  }

  @Test
  public void valuesOutsideTheReferenceRangeAreCountedWithTheirExtremes() {
    // Range [1, 4], edge at the median 2.
    BinCounts counts =
        BinCounts.empty()
            .add(REFERENCE, new float[] {0.5f})
            .add(REFERENCE, new float[] {3})
            .add(REFERENCE, new float[] {9})
            .add(REFERENCE, new float[] {12})
            .add(REFERENCE, new float[] {Float.NaN});
    assertThat(counts.examples()).isEqualTo(5);
    assertThat(counts.count(0, 0)).isEqualTo(1);
    assertThat(counts.count(0, 1)).isEqualTo(3);
    assertThat(counts.count(0, 2)).isEqualTo(1);
    assertThat(counts.below(0)).isEqualTo(1);
    assertThat(counts.above(0)).isEqualTo(2);
    assertThat(counts.lowest(0)).isEqualTo(0.5f);
    assertThat(counts.highest(0)).isEqualTo(12);
    BinCounts other = BinCounts.empty().add(REFERENCE, new float[] {-3});
    counts.merge(other);
    assertThat(counts.below(0)).isEqualTo(2);
    assertThat(counts.lowest(0)).isEqualTo(-3);

    FeatureDrift drift = DriftStatistics.compare(REFERENCE, counts).get(0);
    assertThat(drift.outsideShare()).isEqualTo(4 / 6.0);
    assertThat(drift.range()).isEqualTo(new FeatureDrift.OutOfRange(1, 4, 2, 2, -3, 12));
    // Eight past the top of a range 3 wide: 2.7 widths.
    assertThat(drift.range().overshoot()).isCloseTo(8 / 3.0, within(1e-9));
    assertThat(drift.range().describe())
        .isEqualTo(
            "2 below, 2 above the training range [1, 4], up to 12 and down to -3 (2.7 range"
                + " widths past it)");
  }

  @Test
  public void countsBinnedUpstreamAddUp() {
    PCollection<BinCounts> merged =
        p.apply(
                org.apache.beam.sdk.transforms.Create.of(
                        BinCounts.of(new int[] {0, 1}),
                        BinCounts.of(new int[] {0, 3}),
                        BinCounts.of(new int[] {2, 1}))
                    .withCoder(BinCounts.coder()))
            .apply(Combine.globally(BinCountsFn.merging()));
    PAssert.thatSingleton(merged)
        .satisfies(
            c -> {
              assertThat(c.examples()).isEqualTo(3);
              assertThat(c.count(0, 0)).isEqualTo(2);
              assertThat(c.count(0, 2)).isEqualTo(1);
              assertThat(c.count(1, 1)).isEqualTo(2);
              assertThat(c.count(1, 3)).isEqualTo(1);
              assertThat(c.count(1, 2)).isZero();
              return null;
            });
    p.run();
  }

  @Test
  public void theCoderRoundTripsAndIsDeterministic() throws Exception {
    BinCounts counts = BinCounts.of(new int[] {0, 4, 2}).add(new int[] {3, 0, 2});
    CoderProperties.coderDecodeEncodeEqual(BinCounts.coder(), counts);
    CoderProperties.coderDecodeEncodeEqual(
        BinCounts.coder(),
        BinCounts.empty().add(REFERENCE, new float[] {7}).add(REFERENCE, new float[] {0}));
    CoderProperties.coderDeterministic(
        BinCounts.coder(), counts, BinCounts.of(new int[] {0, 4, 2}).add(new int[] {3, 0, 2}));
    CoderProperties.coderDecodeEncodeEqual(BinCounts.coder(), BinCounts.empty());
    assertThat(
            org.apache.beam.sdk.util.CoderUtils.clone(
                FeatureVectorCoder.of(), new float[] {1.5f, Float.NaN}))
        .containsExactly(1.5f, Float.NaN);
    assertThat(List.of(counts)).containsExactly(BinCounts.empty().merge(counts));
  }
}
