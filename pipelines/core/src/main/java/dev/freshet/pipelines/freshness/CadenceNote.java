package dev.freshet.pipelines.freshness;

import java.util.Locale;
import java.util.Optional;

/**
 * A policy whose updates did not come as its name says, and what to change. The name's period is
 * the expectation: {@code hourly} one hour, {@code every-6h} six, {@code retrain-daily} a day; for
 * {@code continual}, {@link UpdateSizes#continualPeriodMillis()} (the finest period of the run's
 * periodic policies, at most a day), which it should match or beat. A warning when the median time
 * between updates is more than twice the expectation; with fewer than two updates, when the
 * evaluated stream held more than twice as many of the name's periods as updates. Periodic policies
 * update only at multiples of their period, so they can only be slower than named; a continual
 * policy faster than the expectation is as named.
 *
 * @param warning true: the name does not describe what ran (a note otherwise: one update, or no
 *     period to update in)
 * @param text one line, starting with the policy's name
 */
public record CadenceNote(String policy, boolean warning, String text) {
  private static final double DAY = 86_400_000.0;

  /**
   * The note on {@code policy}'s {@code cadence} in a replay under {@code plan}; empty when the
   * cadence is as named (and always for {@code static}).
   */
  public static Optional<CadenceNote> of(UpdatePolicy policy, Cadence cadence, ReplayPlan plan) {
    if (!policy.updates()) {
      return Optional.empty();
    }
    String name = policy.name();
    long span = plan.endMillis() - plan.evaluationStartMillis();
    boolean continual = policy.kind() == UpdatePolicy.Kind.CONTINUAL;
    long expected = continual ? plan.sizes().continualPeriodMillis() : policy.periodMillis();
    String named = "every " + Cadence.duration(expected) + (continual ? " or more often" : "");
    long periods = span / expected;
    long updates = cadence.updates();
    if (updates >= 2) {
      if (cadence.medianIntervalMillis() <= 2 * expected) {
        return Optional.empty();
      }
      return Optional.of(
          new CadenceNote(
              name,
              true,
              String.format(
                  Locale.ROOT,
                  "%s updated every %s (median of %,d updates, %s examples per update), not %s: %s",
                  name,
                  cadence.intervalText(),
                  updates,
                  cadence.examplesText(),
                  named,
                  cause(policy, cadence, plan, span, expected))));
    }
    boolean warning = periods > 2 * updates;
    String what =
        updates == 0
            ? String.format(
                Locale.ROOT, "%s: no update in the evaluated %s", name, Cadence.duration(span))
            : String.format(
                Locale.ROOT,
                "%s: one update, %s into the evaluated %s (%s examples)",
                name,
                Cadence.duration(cadence.firstUpdateMillis() - plan.evaluationStartMillis()),
                Cadence.duration(span),
                cadence.examplesText());
    if (warning) {
      return Optional.of(
          new CadenceNote(
              name,
              true,
              String.format(
                  Locale.ROOT,
                  "%s, not %s: %s",
                  what,
                  named,
                  cause(policy, cadence, plan, span, expected))));
    }
    if (updates == 0 && periods == 0) {
      what += ", shorter than " + Cadence.duration(expected);
    }
    return Optional.of(new CadenceNote(name, false, what));
  }

  /** Why the updates were rarer than named, naming the setting to change and its value. */
  private static String cause(
      UpdatePolicy policy, Cadence cadence, ReplayPlan plan, long span, long expected) {
    if (cadence.newLabels() == 0) {
      return "no label became known during the evaluation (they arrive after the stream ends:"
          + " check the outcomes and the label window)";
    }
    double perDay = cadence.newLabels() * DAY / span;
    double perPeriod = perDay * expected / DAY;
    String period = Cadence.duration(expected);
    String rate =
        String.format(
            Locale.ROOT,
            "the evaluated stream brought ~%s, %s per %s",
            UpdateSizes.rate(perDay),
            count(perPeriod),
            period);
    UpdateSizes sizes = plan.sizes();
    return switch (policy.kind()) {
      case WARM_START -> {
        int min = plan.minUpdateExamplesFor(policy);
        String setting =
            sizes.givenMinUpdateExamples() != null
                ? "--minUpdateExamples=" + min
                : "--minUpdateExamples not set, adapted to " + min;
        if (min > perPeriod) {
          // The option holds for every periodic policy; unset, it adapts to each one's period.
          yield String.format(
                  Locale.ROOT,
                  "a warm start waits for %,d new labels (%s) and %s; to update every %s, set"
                      + " --minUpdateExamples=%d",
                  min,
                  setting,
                  rate,
                  period,
                  Math.max(1, (long) Math.floor(perPeriod / 2)))
              + (sizes.givenMinUpdateExamples() != null
                  ? " (it holds for every periodic policy; left unset it adapts to each one's"
                      + " period)"
                  : "");
        }
        yield String.format(
            Locale.ROOT,
            "%s, yet most periods brought fewer than the %,d new labels a warm start waits for"
                + " (%s): the labels come in bursts; lower --minUpdateExamples or compare a longer"
                + " period",
            rate,
            min,
            setting);
      }
      case CONTINUAL -> {
        int batch = plan.continualBatchSize();
        String setting =
            sizes.givenContinualBatchSize() != null
                ? "--continualBatchSize=" + batch
                : "--continualBatchSize not set, adapted to " + batch;
        if (batch > perPeriod) {
          yield String.format(
                  Locale.ROOT,
                  "a micro-batch of %,d new labels (%s) fills in ~%s at the ~%s the evaluated"
                      + " stream brought; to keep up with every %s (the finest period of the run's"
                      + " policies, at most a day), set --continualBatchSize=%d",
                  batch,
                  setting,
                  Cadence.duration(Math.round(batch / perDay * DAY)),
                  UpdateSizes.rate(perDay),
                  period,
                  Math.max(1, (long) Math.floor(perPeriod)))
              + (sizes.givenContinualBatchSize() != null
                  ? " (left unset it adapts to the stream's label rate)"
                  : "");
        }
        yield String.format(
            Locale.ROOT,
            "%s, yet micro-batches of %,d new labels (%s) filled more slowly: the labels come in"
                + " bursts; lower --continualBatchSize",
            rate,
            batch,
            setting);
      }
      case RETRAIN ->
          String.format(
              Locale.ROOT,
              "a retrain needs positives and negatives among the labels that became known in its"
                  + " trailing window (%s) and %s; set a longer --retrainWindow (or :window= on the"
                  + " policy)",
              Cadence.duration(plan.retrainWindowFor(policy)),
              rate);
      case STATIC -> throw new IllegalArgumentException("static never updates");
    };
  }

  /** {@code 2.1}, {@code 48}, {@code 1,234}. */
  private static String count(double n) {
    return String.format(Locale.ROOT, n >= 10 ? "%,.0f" : "%.1f", n);
  }
}
