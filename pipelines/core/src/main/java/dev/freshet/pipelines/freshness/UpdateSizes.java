package dev.freshet.pipelines.freshness;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How many new labels pace the warm starts of one experiment: the minimum a periodic warm start
 * waits for ({@code --minUpdateExamples}) and the continual policy's micro-batch ({@code
 * --continualBatchSize}). A size the user gave is used as given; a size left unset is adapted to
 * the label rate of the warm-up, so that a policy updates about as often as its name says when the
 * stream brings enough labels:
 *
 * <ul>
 *   <li>a periodic warm start waits for half the labels its period brought on average (a quieter
 *       period than average still updates), between {@value #FLOOR} and {@value
 *       #DEFAULT_MIN_UPDATE_EXAMPLES};
 *   <li>the continual micro-batch is the labels of {@link #continualPeriodMillis()}, between
 *       {@value #FLOOR} and {@value #DEFAULT_CONTINUAL_BATCH_SIZE}: continual is named for the
 *       freshest model, so it should update at least as often as the finest periodic policy of the
 *       run, and at least daily.
 * </ul>
 *
 * The floor keeps an update from resting on a handful of examples (with a new Adam per update,
 * {@code adam=new}, tiny batches take large noisy steps).
 *
 * @param givenMinUpdateExamples {@code --minUpdateExamples}; null: adapted per policy
 * @param givenContinualBatchSize {@code --continualBatchSize}; null: adapted
 * @param labelsPerDay labelled examples per day of event time in the warm-up (every example gets
 *     its label, at its label time)
 * @param continualPeriodMillis the period continual should keep up with: the finest period of the
 *     run's periodic policies, at most a day
 */
public record UpdateSizes(
    Integer givenMinUpdateExamples,
    Integer givenContinualBatchSize,
    double labelsPerDay,
    long continualPeriodMillis)
    implements Serializable {

  /** The most an adapted minimum of a warm start can be (the former fixed default). */
  public static final int DEFAULT_MIN_UPDATE_EXAMPLES = 500;

  /** The most an adapted continual micro-batch can be (the former fixed default). */
  public static final int DEFAULT_CONTINUAL_BATCH_SIZE = 1000;

  /** The least an adapted size can be. */
  public static final int FLOOR = 16;

  static final long DAY_MILLIS = 86_400_000L;

  /**
   * The sizes for {@code policies} on a stream with {@code labelsPerDay} in its warm-up; {@code
   * minUpdateExamples} and {@code continualBatchSize} as given by the user, null when not set.
   */
  public static UpdateSizes of(
      Integer minUpdateExamples,
      Integer continualBatchSize,
      double labelsPerDay,
      List<UpdatePolicy> policies) {
    long finest = DAY_MILLIS;
    for (UpdatePolicy p : policies) {
      if (p.periodMillis() > 0) {
        finest = Math.min(finest, p.periodMillis());
      }
    }
    return new UpdateSizes(minUpdateExamples, continualBatchSize, labelsPerDay, finest);
  }

  /**
   * The new labels a warm start under {@code policy} waits for; 1 for the continual policy, whose
   * micro-batch is its own minimum, and for retrains, which train on their window.
   */
  public int minUpdateExamplesFor(UpdatePolicy policy) {
    if (policy.kind() != UpdatePolicy.Kind.WARM_START) {
      return 1;
    }
    if (givenMinUpdateExamples != null) {
      return givenMinUpdateExamples;
    }
    return adapted(labelsIn(policy.periodMillis()) / 2, DEFAULT_MIN_UPDATE_EXAMPLES);
  }

  /** Newly labelled examples per update of the continual policy. */
  public int continualBatchSize() {
    if (givenContinualBatchSize != null) {
      return givenContinualBatchSize;
    }
    return adapted(labelsIn(continualPeriodMillis), DEFAULT_CONTINUAL_BATCH_SIZE);
  }

  /** The labels the warm-up's rate brings in {@code millis}. */
  private double labelsIn(long millis) {
    return labelsPerDay * millis / DAY_MILLIS;
  }

  private static int adapted(double labels, int most) {
    if (!(labels >= FLOOR)) {
      return FLOOR;
    }
    return (int) Math.min(most, Math.floor(labels));
  }

  /**
   * What was chosen for {@code policies} and why, one line per size that matters to them: {@code
   * --minUpdateExamples not set: hourly 16, daily 25 (...)}.
   */
  public List<String> describe(List<UpdatePolicy> policies) {
    List<String> lines = new ArrayList<>();
    List<UpdatePolicy> periodic =
        policies.stream().filter(p -> p.kind() == UpdatePolicy.Kind.WARM_START).toList();
    if (!periodic.isEmpty()) {
      if (givenMinUpdateExamples != null) {
        lines.add("--minUpdateExamples=" + givenMinUpdateExamples + " (given)");
      } else {
        List<String> each = new ArrayList<>();
        for (UpdatePolicy p : periodic) {
          each.add(p.name() + " " + minUpdateExamplesFor(p));
        }
        lines.add(
            String.format(
                Locale.ROOT,
                "--minUpdateExamples not set: %s (half the labels a period brought in the"
                    + " warm-up at ~%s, between %d and %d)",
                String.join(", ", each),
                rate(labelsPerDay),
                FLOOR,
                DEFAULT_MIN_UPDATE_EXAMPLES));
      }
    }
    if (policies.stream().anyMatch(p -> p.kind() == UpdatePolicy.Kind.CONTINUAL)) {
      if (givenContinualBatchSize != null) {
        lines.add("--continualBatchSize=" + givenContinualBatchSize + " (given)");
      } else {
        lines.add(
            String.format(
                Locale.ROOT,
                "--continualBatchSize not set: %d (the labels of %s, the finest period of the"
                    + " run's policies and at most a day, in the warm-up at ~%s; between %d and"
                    + " %d)",
                continualBatchSize(),
                Cadence.duration(continualPeriodMillis),
                rate(labelsPerDay),
                FLOOR,
                DEFAULT_CONTINUAL_BATCH_SIZE));
      }
    }
    return lines;
  }

  /** {@code 50 labels a day}, {@code 1,234 labels a day}, {@code 0.4 labels a day}. */
  static String rate(double perDay) {
    return String.format(
        Locale.ROOT, perDay >= 10 ? "%,.0f labels a day" : "%.1f labels a day", perDay);
  }
}
