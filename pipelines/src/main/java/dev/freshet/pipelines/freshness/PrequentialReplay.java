package dev.freshet.pipelines.freshness;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Prequential evaluation of one {@link UpdatePolicy} over a stream: every example from the
 * evaluation start on is first scored by the model of its moment, and trained on only once its
 * label would have been known.
 *
 * <p>Time is the stream's event time. At an update point {@code u} the policy may use the examples
 * whose label time is at most {@code u}; its new model scores the events after {@code u} (the same
 * half-open rule as the features: what becomes known at {@code t} does not count for an event at
 * {@code t}). Periodic policies update at {@code start + k × period}; the continual one whenever
 * {@link ReplayPlan#microBatchSize()} new labels are known (equal label times are never split). A
 * warm start continues the previous model on the labels that became known since the last update
 * (every example is trained on once, whatever the period; with fewer than {@link
 * ReplayPlan#minUpdateExamples()} new labels the update waits for the next point); a retrain trains
 * a new model on the labelled examples of the trailing window. Sequential by nature, so one policy
 * is one thread; the examples are shared read-only between policies.
 */
public final class PrequentialReplay {
  /** Called about every {@code 1/20} of the evaluated stream and at the end. */
  public interface Progress {
    void report(UpdatePolicy policy, long streamMillis, int scored, int total, long updates);
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int SCORE_BATCH = 4096;
  private static final int MIN_INITIAL_EXAMPLES = 50;

  private final StreamExamples data;
  private final ReplayPlan plan;

  public PrequentialReplay(StreamExamples data, ReplayPlan plan) {
    this.data = data;
    this.plan = plan;
  }

  /** The model every policy starts from: trained on the labels known at the evaluation start. */
  public BinaryClassifier initialModel() {
    int known = labelledBy(0, plan.evaluationStartMillis());
    int[] rows = new int[known];
    for (int k = 0; k < known; k++) {
      rows[k] = data.byLabelTime(k);
    }
    int positives = 0;
    for (int i : rows) {
      positives += data.label(i) > 0.5f ? 1 : 0;
    }
    if (known < MIN_INITIAL_EXAMPLES || positives == 0 || positives == known) {
      throw new IllegalArgumentException(
          "--warmup: only "
              + known
              + " examples ("
              + positives
              + " positive) are labelled by the evaluation start; lengthen the warm-up");
    }
    return ClassifierTrainer.of(plan.initial()).train(plan.layout(), x(rows), y(rows));
  }

  /** Replays the stream under {@code policy}, starting from {@code initial} (not closed here). */
  public PolicyResult replay(UpdatePolicy policy, BinaryClassifier initial, Progress progress) {
    long wallStart = System.nanoTime();
    int n = data.size();
    int first = data.firstAtOrAfter(plan.evaluationStartMillis());
    int total = n - first;
    BinaryMetricsAccumulator all = BinaryMetricsAccumulator.create();
    BinaryMetricsAccumulator[] slices = new BinaryMetricsAccumulator[plan.slices()];
    for (int i = 0; i < slices.length; i++) {
      slices[i] = BinaryMetricsAccumulator.create();
    }
    int labelled = labelledBy(0, plan.evaluationStartMillis());
    BinaryClassifier model = initial;
    long updates = 0;
    long trained = 0;
    double trainCpu = 0;
    double scoreCpu = 0;
    int next = first;
    int reportEvery = Math.max(1, total / 20);
    int nextReport = first + reportEvery;
    long u = nextUpdate(policy, plan.evaluationStartMillis(), labelled);
    try {
      while (next < n) {
        int end = data.firstAfter(u);
        long cpu = cpuNanos();
        try (Scorer scorer = model.newScorer()) {
          for (int from = next; from < end; from += SCORE_BATCH) {
            int to = Math.min(end, from + SCORE_BATCH);
            float[][] batch = new float[to - from][];
            for (int i = from; i < to; i++) {
              batch[i - from] = data.features(i);
            }
            float[] scores = scorer.score(batch);
            for (int i = from; i < to; i++) {
              boolean label = data.label(i) > 0.5f;
              all.add(scores[i - from], label);
              slices[plan.sliceOf(data.eventTime(i))].add(scores[i - from], label);
            }
          }
        }
        scoreCpu += (cpuNanos() - cpu) / 1e9;
        next = end;
        if (next >= nextReport || next >= n) {
          progress.report(policy, data.eventTime(next - 1), next - first, total, updates);
          nextReport = next + reportEvery;
        }
        if (next >= n) {
          break;
        }
        int known = labelledBy(labelled, u);
        boolean retrain = policy.kind() == UpdatePolicy.Kind.RETRAIN;
        int[] rows;
        if (retrain) {
          rows = window(u);
          labelled = known;
        } else if (known - labelled >= plan.minUpdateExamples()) {
          rows = newlyKnown(labelled, known);
          labelled = known;
        } else {
          rows = new int[0]; // too few new labels: they wait for the next update point
        }
        // A new model needs both classes.
        if (retrain ? hasBothClasses(rows) : rows.length > 0) {
          cpu = cpuNanos();
          BinaryClassifier updated =
              retrain
                  ? ClassifierTrainer.of(plan.retrain()).train(plan.layout(), x(rows), y(rows))
                  : ClassifierTrainer.of(plan.update()).continueFrom(model, x(rows), y(rows));
          trainCpu += (cpuNanos() - cpu) / 1e9;
          trained +=
              (long) rows.length * (retrain ? plan.retrain().epochs() : plan.update().epochs());
          updates++;
          if (model != initial) {
            model.close();
          }
          model = updated;
        }
        u = nextUpdate(policy, u, labelled);
      }
    } finally {
      if (model != initial) {
        model.close();
      }
    }
    List<BinaryMetrics> perSlice = new ArrayList<>();
    for (BinaryMetricsAccumulator s : slices) {
      perSlice.add(s.result());
    }
    return new PolicyResult(
        policy.name(),
        all.result(),
        perSlice,
        updates,
        trained,
        trainCpu,
        scoreCpu,
        (System.nanoTime() - wallStart) / 1e9);
  }

  /** The update point after {@code previous}; {@code Long.MAX_VALUE} when there is none. */
  private long nextUpdate(UpdatePolicy policy, long previous, int labelled) {
    return switch (policy.kind()) {
      case STATIC -> Long.MAX_VALUE;
      case CONTINUAL -> {
        int k = labelled + plan.microBatchSize() - 1;
        yield k < data.size() ? data.labelTime(data.byLabelTime(k)) : Long.MAX_VALUE;
      }
      case WARM_START, RETRAIN -> previous + policy.periodMillis();
    };
  }

  /**
   * The count of examples, in label-time order from {@code from}, labelled at or before {@code t}.
   */
  private int labelledBy(int from, long t) {
    int k = from;
    while (k < data.size() && data.labelTime(data.byLabelTime(k)) <= t) {
      k++;
    }
    return k;
  }

  private int[] newlyKnown(int from, int to) {
    int[] rows = new int[to - from];
    for (int k = from; k < to; k++) {
      rows[k - from] = data.byLabelTime(k);
    }
    return rows;
  }

  /**
   * The examples with event time in {@code [u - window, u]} whose labels are known at {@code u}.
   */
  private int[] window(long u) {
    int from = data.firstAtOrAfter(u - plan.retrainWindowMillis());
    int to = data.firstAfter(u);
    int[] rows = new int[to - from];
    int size = 0;
    for (int i = from; i < to; i++) {
      if (data.labelTime(i) <= u) {
        rows[size++] = i;
      }
    }
    return java.util.Arrays.copyOf(rows, size);
  }

  private boolean hasBothClasses(int[] rows) {
    boolean positive = false;
    boolean negative = false;
    for (int i : rows) {
      if (data.label(i) > 0.5f) {
        positive = true;
      } else {
        negative = true;
      }
    }
    return positive && negative;
  }

  private float[][] x(int[] rows) {
    float[][] x = new float[rows.length][];
    for (int k = 0; k < rows.length; k++) {
      x[k] = data.features(rows[k]);
    }
    return x;
  }

  private float[] y(int[] rows) {
    float[] y = new float[rows.length];
    for (int k = 0; k < rows.length; k++) {
      y[k] = data.label(rows[k]);
    }
    return y;
  }

  private static long cpuNanos() {
    return THREADS.getCurrentThreadCpuTime();
  }
}
