package dev.freshet.pipelines.freshness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.Test;

/**
 * The cadence summary (median interval, examples per update), the note that compares it with the
 * policy's name (warning beyond 2x, naming the setting and a value), and the update sizes that
 * adapt to the warm-up's label rate.
 */
public class CadenceTest {
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01
  private static final List<UpdatePolicy> RUN =
      List.of(
          UpdatePolicy.parse("static"),
          UpdatePolicy.parse("hourly"),
          UpdatePolicy.parse("daily"),
          UpdatePolicy.parse("weekly"),
          UpdatePolicy.parse("continual"),
          UpdatePolicy.parse("retrain-daily"));

  /** A plan evaluating 30 days, with the sizes given (null: adapted to {@code labelsPerDay}). */
  private static ReplayPlan plan(Integer minUpdate, Integer batch, double labelsPerDay) {
    ModelConfig config = ModelConfig.builder().build();
    return new ReplaySettings(
            FeatureLayout.builder("test").numeric("x").build(),
            0.1,
            0,
            10,
            config,
            config,
            config,
            batch,
            minUpdate,
            14 * DAY,
            true)
        .plan(T0, T0 + 30 * DAY, labelsPerDay, RUN);
  }

  /** Updates every {@code every} from {@code T0 + every}, {@code examples} each. */
  private static Cadence every(long every, int updates, long examples, long newLabels) {
    List<Long> times = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (int i = 1; i <= updates; i++) {
      times.add(T0 + i * every);
      sizes.add(examples);
    }
    return Cadence.of(times, sizes, newLabels);
  }

  private static Optional<CadenceNote> note(String policy, Cadence cadence, ReplayPlan plan) {
    return CadenceNote.of(UpdatePolicy.parse(policy), cadence, plan);
  }

  @Test
  public void medianIntervalAndExamplesPerUpdate() {
    Cadence c =
        Cadence.of(
            List.of(T0 + HOUR, T0 + 2 * HOUR, T0 + 5 * HOUR, T0 + 6 * HOUR, T0 + 30 * HOUR),
            List.of(10L, 40L, 20L, 30L, 1000L),
            1500);
    // Intervals 1h, 3h, 1h, 24h: the median (of an even count, the middle two's mean) is 2h.
    assertThat(c.updates()).isEqualTo(5);
    assertThat(c.medianIntervalMillis()).isEqualTo(2 * HOUR);
    assertThat(c.medianExamplesPerUpdate()).isEqualTo(30);
    assertThat(c.firstUpdateMillis()).isEqualTo(T0 + HOUR);
    assertThat(c.intervalText()).isEqualTo("2.0h");
    assertThat(c.examplesText()).isEqualTo("30");

    Cadence one = Cadence.of(List.of(T0 + DAY), List.of(700L), 1500);
    assertThat(one.medianIntervalMillis()).isNull();
    assertThat(one.intervalText()).isEqualTo("n/a");
    assertThat(one.medianExamplesPerUpdate()).isEqualTo(700);
    Cadence none = Cadence.of(List.of(), List.of(), 1500);
    assertThat(none.updates()).isZero();
    assertThat(none.firstUpdateMillis()).isNull();
    assertThat(none.examplesText()).isEqualTo("n/a");
  }

  @Test
  public void durationsReadTheSameInEveryLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      assertThat(Cadence.duration(Math.round(9.8 * DAY))).isEqualTo("9.8d");
      assertThat(Cadence.duration(HOUR)).isEqualTo("1.0h");
      assertThat(Cadence.duration(45 * 60_000L)).isEqualTo("45.0m");
      assertThat(Cadence.duration(30_000L)).isEqualTo("30.0s");
      assertThat(every(HOUR, 3, 1234, 5000).examplesText()).isEqualTo("1,234");
      ReplayPlan plan = plan(500, 1000, 50);
      assertThat(
              note("hourly", every(Math.round(9.8 * DAY), 3, 490, 1500), plan).orElseThrow().text())
          .contains("every 9.8d")
          .contains("~50 labels a day, 2.1 per 1.0h");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  public void aPolicyTwiceAsSlowAsNamedIsNotWarnedAbout() {
    ReplayPlan plan = plan(500, 1000, 50_000);
    assertThat(note("hourly", every(HOUR, 700, 2000, 1_500_000), plan)).isEmpty();
    assertThat(note("hourly", every(2 * HOUR, 300, 4000, 1_500_000), plan)).isEmpty();
    assertThat(note("daily", every(2 * DAY, 14, 4000, 1_500_000), plan)).isEmpty();
    assertThat(note("continual", every(HOUR / 2, 1400, 1000, 1_500_000), plan)).isEmpty();
    assertThat(note("static", every(DAY, 0, 0, 1_500_000), plan)).isEmpty();
  }

  @Test
  public void aWarmStartHeldBackByItsMinimumNamesTheSettingAndAValue() {
    // The stream: ~50 labels a day, the former fixed minimum of 500.
    ReplayPlan plan = plan(500, 1000, 50);
    CadenceNote hourly =
        note("hourly", every(Math.round(9.8 * DAY), 3, 490, 1500), plan).orElseThrow();
    assertThat(hourly.warning()).isTrue();
    assertThat(hourly.text())
        .startsWith(
            "hourly updated every 9.8d (median of 3 updates, 490 examples per update),"
                + " not every 1.0h: ")
        .contains("waits for 500 new labels (--minUpdateExamples=500)")
        .contains("~50 labels a day, 2.1 per 1.0h")
        .endsWith(
            "to update every 1.0h, set --minUpdateExamples=1 (it holds for every periodic policy;"
                + " left unset it adapts to each one's period)");
    CadenceNote daily = note("daily", every(10 * DAY, 3, 500, 1500), plan).orElseThrow();
    assertThat(daily.warning()).isTrue();
    assertThat(daily.text()).contains("to update every 1.0d, set --minUpdateExamples=25 (");
    // Just over 2x is a warning too.
    assertThat(note("daily", every(3 * DAY, 10, 150, 1500), plan)).isPresent();
  }

  @Test
  public void anAdaptedMinimumSaysItWasNotSet() {
    ReplayPlan plan = plan(null, null, 50);
    CadenceNote hourly = note("hourly", every(8 * HOUR, 80, 16, 1500), plan).orElseThrow();
    assertThat(hourly.text())
        .contains("waits for 16 new labels (--minUpdateExamples not set, adapted to 16)")
        .endsWith("set --minUpdateExamples=1");
  }

  @Test
  public void continualIsExpectedToKeepUpWithTheFinestPeriodOfTheRun() {
    ReplayPlan plan = plan(500, 1000, 50);
    // The run has hourly: continual should update every hour or more often, within 2x.
    CadenceNote continual = note("continual", every(20 * DAY, 1, 1000, 1500), plan).orElseThrow();
    assertThat(continual.warning()).isTrue();
    assertThat(continual.text())
        .startsWith(
            "continual: one update, 20.0d into the evaluated 30.0d (1,000 examples),"
                + " not every 1.0h or more often: ")
        .contains("a micro-batch of 1,000 new labels (--continualBatchSize=1000) fills in ~20.0d")
        .endsWith("set --continualBatchSize=2 (left unset it adapts to the stream's label rate)");
    assertThat(note("continual", every(90 * 60_000L, 400, 3, 1500), plan)).isEmpty();
    assertThat(note("continual", every(3 * HOUR, 200, 6, 1500), plan)).isPresent();
  }

  @Test
  public void noUpdateOrOneGetsAClearLine() {
    ReplayPlan plan = plan(500, 1000, 50);
    CadenceNote hourly = note("hourly", every(HOUR, 0, 0, 1500), plan).orElseThrow();
    assertThat(hourly.warning()).isTrue();
    assertThat(hourly.text())
        .startsWith("hourly: no update in the evaluated 30.0d, not every 1.0h: ")
        .contains("--minUpdateExamples=500");
    // 30 days hold four weeks: one update is more than 2x fewer than named.
    CadenceNote weekly = note("weekly", every(20 * DAY, 1, 1000, 1500), plan).orElseThrow();
    assertThat(weekly.warning()).isTrue();
    assertThat(weekly.text()).startsWith("weekly: one update, 20.0d into the evaluated 30.0d");

    // A month of 30 days: no update point, a note only.
    CadenceNote monthly =
        CadenceNote.of(
                UpdatePolicy.parse("monthly"), every(DAY, 0, 0, 1500), plan(T0, T0 + 20 * DAY))
            .orElseThrow();
    assertThat(monthly.warning()).isFalse();
    assertThat(monthly.text())
        .isEqualTo("monthly: no update in the evaluated 20.0d, shorter than 30.0d");
    CadenceNote once =
        CadenceNote.of(
                UpdatePolicy.parse("weekly"), every(7 * DAY, 1, 350, 1000), plan(T0, T0 + 20 * DAY))
            .orElseThrow();
    assertThat(once.warning()).isFalse();
    assertThat(once.text())
        .isEqualTo("weekly: one update, 7.0d into the evaluated 20.0d (350 examples)");

    CadenceNote unlabelled = note("daily", every(DAY, 0, 0, 0), plan).orElseThrow();
    assertThat(unlabelled.text()).contains("no label became known during the evaluation");
  }

  @Test
  public void aRetrainThatFoundOneClassNamesItsWindow() {
    CadenceNote retrain =
        note("retrain-daily", every(5 * DAY, 5, 700, 1500), plan(500, 1000, 50)).orElseThrow();
    assertThat(retrain.text()).contains("trailing window (14.0d)").contains("--retrainWindow");
  }

  @Test
  public void unsetSizesAdaptToTheWarmupsLabelRate() {
    UpdatePolicy hourly = UpdatePolicy.parse("hourly");
    UpdatePolicy daily = UpdatePolicy.parse("daily");
    UpdatePolicy weekly = UpdatePolicy.parse("weekly");
    UpdatePolicy continual = UpdatePolicy.parse("continual");
    // ~50 labels a day: half a period's labels, at least 16; continual keeps up with hourly.
    UpdateSizes sparse = UpdateSizes.of(null, null, 50, RUN);
    assertThat(sparse.minUpdateExamplesFor(hourly)).isEqualTo(16);
    assertThat(sparse.minUpdateExamplesFor(daily)).isEqualTo(25);
    assertThat(sparse.minUpdateExamplesFor(weekly)).isEqualTo(175);
    assertThat(sparse.continualPeriodMillis()).isEqualTo(HOUR);
    assertThat(sparse.continualBatchSize()).isEqualTo(16);
    // Without a period finer than a day, continual keeps up with daily.
    assertThat(UpdateSizes.of(null, null, 50, List.of(continual, weekly)).continualBatchSize())
        .isEqualTo(50);
    // A busy stream keeps the former defaults.
    UpdateSizes busy = UpdateSizes.of(null, null, 100_000, RUN);
    assertThat(busy.minUpdateExamplesFor(hourly)).isEqualTo(500);
    assertThat(busy.continualBatchSize()).isEqualTo(1000);
    // Given sizes are kept whatever the stream; the minimum holds periodic warm starts only.
    UpdateSizes given = UpdateSizes.of(500, 1000, 50, RUN);
    assertThat(given.minUpdateExamplesFor(hourly)).isEqualTo(500);
    assertThat(given.minUpdateExamplesFor(continual)).isEqualTo(1);
    assertThat(given.minUpdateExamplesFor(UpdatePolicy.parse("retrain-daily"))).isEqualTo(1);
    assertThat(given.continualBatchSize()).isEqualTo(1000);

    assertThat(sparse.describe(RUN))
        .containsExactly(
            "--minUpdateExamples not set: hourly 16, daily 25, weekly 175 (half the labels a"
                + " period brought in the warm-up at ~50 labels a day, between 16 and 500)",
            "--continualBatchSize not set: 16 (the labels of 1.0h, the finest period of the run's"
                + " policies and at most a day, in the warm-up at ~50 labels a day; between 16 and"
                + " 1000)");
    assertThat(given.describe(RUN))
        .containsExactly("--minUpdateExamples=500 (given)", "--continualBatchSize=1000 (given)");
    assertThat(sparse.describe(List.of(UpdatePolicy.parse("static")))).isEmpty();
  }

  private static ReplayPlan plan(long start, long end) {
    ModelConfig config = ModelConfig.builder().build();
    return new ReplaySettings(
            FeatureLayout.builder("test").numeric("x").build(),
            0.1,
            0,
            10,
            config,
            config,
            config,
            1000,
            500,
            14 * DAY,
            true)
        .plan(start, end, 50, RUN);
  }
}
