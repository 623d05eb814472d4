package dev.freshet.transforms.drift;

import static org.assertj.core.api.Assertions.assertThat;

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
        .containsInAnyOrder(BinCounts.of(new int[] {0}).add(new int[] {1}).add(new int[] {2}));
    PAssert.that(counts)
        .inWindow(new IntervalWindow(t0.plus(Duration.standardHours(1)), Duration.standardHours(1)))
        .containsInAnyOrder(BinCounts.of(new int[] {1}));
    p.run();
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
