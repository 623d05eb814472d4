package dev.freshet.pipelines.freshness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * How often each policy really updates, on streams of random events labelled an hour later. Issue
 * #20's sparse stream (about 50 labels a day): with the former fixed sizes (a warm start waits for
 * 500 new labels, continual micro-batches of 1,000) "hourly" and "daily" both update about every
 * ten days and "continual" less often still; the cadence shows it and the note names the setting.
 * With the sizes left to adapt, daily updates daily, and hourly, which the stream cannot feed with
 * the adapted floor of 16 labels, is warned about. On a dense stream (about 2,000 labels a day) the
 * adapted sizes let every policy update as named, and nothing is warned about.
 */
public class UpdateCadenceReplayTest {
  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01
  private static final FeatureLayout LAYOUT =
      FeatureLayout.builder("test").numeric("x").numeric("noise").build();
  private static final List<UpdatePolicy> POLICIES =
      List.of(
          UpdatePolicy.parse("static"),
          UpdatePolicy.parse("hourly"),
          UpdatePolicy.parse("daily"),
          UpdatePolicy.parse("continual"));

  private static StreamExamples sparse;
  private static StreamExamples dense;

  @BeforeClass
  public static void streams() {
    sparse = stream(50, 40 * DAY, 11);
    dense = stream(2_000, 10 * DAY, 12);
  }

  /**
   * Events at random (exponential gaps, {@code perDay} a day on average) over {@code span}, each
   * labelled an hour later; the label follows the sign of {@code x} nine times in ten.
   */
  private static StreamExamples stream(double perDay, long span, long seed) {
    Random random = new Random(seed);
    List<String> ids = new ArrayList<>();
    List<float[]> x = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    List<Float> y = new ArrayList<>();
    double meanGap = DAY / perDay;
    for (long t = T0;
        t < T0 + span;
        t += Math.round(-meanGap * Math.log(1 - random.nextDouble()))) {
      float v = (float) random.nextGaussian();
      ids.add("e" + ids.size());
      x.add(new float[] {v, (float) random.nextGaussian()});
      times.add(t);
      y.add((random.nextDouble() < 0.9) == v > 0 ? 1f : 0f);
    }
    int n = ids.size();
    long[] eventTimes = new long[n];
    long[] labelTimes = new long[n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      eventTimes[i] = times.get(i);
      labelTimes[i] = times.get(i) + HOUR;
      labels[i] = y.get(i);
    }
    return new StreamExamples(ids, x.toArray(new float[0][]), eventTimes, labelTimes, labels);
  }

  /** The plan of a replay and its results by policy name. */
  private record Run(ReplayPlan plan, Map<String, PolicyResult> results) {
    Cadence cadence(String policy) {
      return results.get(policy).cadence();
    }

    Optional<CadenceNote> noteIfAny(String policy) {
      return CadenceNote.of(UpdatePolicy.parse(policy), cadence(policy), plan);
    }

    CadenceNote note(String policy) {
      return CadenceNote.of(UpdatePolicy.parse(policy), cadence(policy), plan)
          .orElseThrow(() -> new AssertionError("no cadence note for " + policy));
    }
  }

  /**
   * Every policy replayed on {@code stream} with the given sizes (null: adapted to the warm-up).
   */
  private static Run replay(StreamExamples stream, Integer minUpdate, Integer batch) {
    ModelConfig initial =
        ModelConfig.builder().hiddenLayers(8).epochs(5).learningRate(0.01f).seed(7).build();
    ReplayPlan plan =
        new ReplaySettings(
                LAYOUT,
                0.25,
                0,
                10,
                initial,
                initial.toBuilder().epochs(3).build(),
                initial.toBuilder().epochs(1).build(),
                batch,
                minUpdate,
                14 * DAY,
                true)
            .plan(stream, POLICIES);
    PrequentialReplay replay = new PrequentialReplay(stream, plan);
    Map<String, PolicyResult> results = new LinkedHashMap<>();
    try (BinaryClassifier model = replay.initialModel()) {
      for (UpdatePolicy p : POLICIES) {
        results.put(p.name(), replay.replay(p, model, (a, b, c, d, e) -> {}));
      }
    }
    return new Run(plan, results);
  }

  @Test
  public void theFormerFixedSizesUpdateEveryTenDaysAndTheNoteNamesTheSetting() {
    Run r = replay(sparse, 500, 1000);
    // 30 evaluated days of ~50 labels: hourly and daily alike wait ~10 days for 500 labels.
    for (String name : List.of("hourly", "daily")) {
      Cadence c = r.cadence(name);
      assertThat(c.updates()).as(name).isBetween(2L, 3L);
      assertThat(c.medianIntervalMillis()).as(name).isBetween(8 * DAY, 12 * DAY);
      assertThat(c.medianExamplesPerUpdate()).as(name).isBetween(500L, 560L);
      CadenceNote note = r.note(name);
      assertThat(note.warning()).isTrue();
      assertThat(note.text())
          .startsWith(name + " updated every ")
          .contains("(--minUpdateExamples=500)")
          .containsPattern("~\\d\\d labels a day")
          .containsPattern("set --minUpdateExamples=\\d+ \\(it holds for every periodic policy");
    }
    assertThat(r.note("daily").text()).containsPattern("set --minUpdateExamples=2\\d ");
    // Continual, named for the freshest model, updated once in 30 days at most.
    assertThat(r.cadence("continual").updates()).isLessThanOrEqualTo(1);
    CadenceNote continual = r.note("continual");
    assertThat(continual.warning()).isTrue();
    assertThat(continual.text())
        .contains("(--continualBatchSize=1000)")
        .containsPattern("set --continualBatchSize=\\d \\(left unset it adapts");
    assertThat(r.cadence("static").updates()).isZero();
  }

  @Test
  public void adaptedSizesLetDailyUpdateDaily() {
    Run r = replay(sparse, null, null);
    assertThat(r.plan().sizes().labelsPerDay()).isBetween(40.0, 60.0);
    UpdatePolicy daily = UpdatePolicy.parse("daily");
    assertThat(r.plan().minUpdateExamplesFor(daily)).isBetween(20, 30);
    Cadence c = r.cadence("daily");
    assertThat(c.medianIntervalMillis()).isEqualTo(DAY);
    assertThat(c.updates()).isGreaterThanOrEqualTo(25);
    assertThat(CadenceNote.of(daily, c, r.plan())).isEmpty();
    // Hourly cannot have the 16 labels of the adapted floor every hour: warned, with the value
    // that would let it update hourly.
    Cadence hourly = r.cadence("hourly");
    assertThat(hourly.medianIntervalMillis()).isBetween(4 * HOUR, 12 * HOUR);
    assertThat(r.note("hourly").text())
        .contains("(--minUpdateExamples not set, adapted to 16)")
        .endsWith("set --minUpdateExamples=1");
    // Continual now updates many times a day, far more often than daily.
    Cadence continual = r.cadence("continual");
    assertThat(r.plan().continualBatchSize()).isEqualTo(UpdateSizes.FLOOR);
    assertThat(continual.medianIntervalMillis()).isLessThan(DAY / 2);
    assertThat(continual.medianExamplesPerUpdate()).isEqualTo((long) UpdateSizes.FLOOR);
  }

  @Test
  public void aContinualBatchBelowTheWarmStartMinimumStillUpdates() {
    // The minimum is for periodic warm starts; continual's micro-batch is its own.
    Run r = replay(sparse, 500, 100);
    assertThat(r.cadence("continual").medianExamplesPerUpdate()).isEqualTo(100);
    assertThat(r.cadence("continual").updates()).isBetween(12L, 16L);
  }

  @Test
  public void aDenseStreamWithAdaptedSizesUpdatesAsNamedWithoutWarnings() {
    Run r = replay(dense, null, null);
    // ~83 labels an hour: hourly waits for half of them, continual takes an hour's worth.
    assertThat(r.plan().sizes().labelsPerDay()).isBetween(1_800.0, 2_200.0);
    assertThat(r.plan().minUpdateExamplesFor(UpdatePolicy.parse("hourly"))).isBetween(37, 46);
    assertThat(r.plan().minUpdateExamplesFor(UpdatePolicy.parse("daily"))).isEqualTo(500);
    assertThat(r.plan().continualBatchSize()).isBetween(75, 92);
    assertThat(r.cadence("hourly").medianIntervalMillis()).isEqualTo(HOUR);
    assertThat(r.cadence("hourly").updates()).isGreaterThan(150);
    assertThat(r.cadence("daily").medianIntervalMillis()).isEqualTo(DAY);
    assertThat(r.cadence("continual").medianIntervalMillis()).isBetween(HOUR / 2, 2 * HOUR);
    for (UpdatePolicy p : POLICIES) {
      assertThat(r.noteIfAny(p.name())).as(p.name()).isEmpty();
    }
  }

  @Test
  public void aDenseStreamWithTheFormerMinimumWarnsAboutHourly() {
    // 500 new labels take about six hours at ~83 an hour: hourly is 6x slower than named.
    Run r = replay(dense, 500, null);
    assertThat(r.cadence("hourly").medianIntervalMillis()).isBetween(5 * HOUR, 7 * HOUR);
    CadenceNote hourly = r.note("hourly");
    assertThat(hourly.warning()).isTrue();
    assertThat(hourly.text())
        .startsWith("hourly updated every ")
        .contains("waits for 500 new labels (--minUpdateExamples=500)")
        .containsPattern("set --minUpdateExamples=4\\d ");
    assertThat(r.noteIfAny("daily")).isEmpty();
    assertThat(r.noteIfAny("continual")).isEmpty();
  }
}
