package dev.freshet.pipelines.freshness;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.model.training.ContinualTraining;
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
 * {@link ReplayPlan#continualBatchSize()} new labels are known (equal label times are never split).
 * A warm start continues the previous model on the labels that became known since the last update
 * (every example is trained on once, whatever the period; a periodic one with fewer than {@link
 * ReplayPlan#minUpdateExamplesFor} new labels waits for the next point), with a new Adam per update
 * or, with {@code adam=keep}, one {@link ContinualTraining} whose optimiser state carries over; a
 * retrain trains a new model on the examples whose labels became known in the trailing window (a
 * window of label time, so that it holds positives and negatives in the stream's proportion: a
 * window of event time would hold the recent positives, whose chargebacks came early, without the
 * recent negatives, whose label windows are still open). The result's {@link Cadence} records when
 * the updates came and how many examples each used. Sequential by nature, so one policy is one
 * thread; the examples are shared read-only between policies.
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
    boolean retrain = policy.kind() == UpdatePolicy.Kind.RETRAIN;
    ModelConfig config = retrain ? plan.retrainFor(policy) : plan.updateFor(policy);
    long window = plan.retrainWindowFor(policy);
    ContinualTraining learner =
        policy.updates() && !retrain && plan.keepsOptimizer(policy)
            ? ClassifierTrainer.of(config).continual(initial)
            : null;
    BinaryClassifier model = learner != null ? learner.model() : initial;
    int minNew = plan.minUpdateExamplesFor(policy);
    List<Long> updateTimes = new ArrayList<>();
    List<Long> updateExamples = new ArrayList<>();
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
          progress.report(
              policy, data.eventTime(next - 1), next - first, total, updateTimes.size());
          nextReport = next + reportEvery;
        }
        if (next >= n) {
          break;
        }
        int known = labelledBy(labelled, u);
        int[] rows;
        if (retrain) {
          rows = newlyKnown(labelledBy(0, u - window), known);
          labelled = known;
        } else if (known - labelled >= minNew) {
          rows = newlyKnown(labelled, known);
          labelled = known;
        } else {
          rows = new int[0]; // too few new labels: they wait for the next update point
        }
        // A new model needs both classes.
        if (retrain ? hasBothClasses(rows) : rows.length > 0) {
          cpu = cpuNanos();
          if (learner != null) {
            learner.update(x(rows), y(rows));
          } else {
            BinaryClassifier updated =
                retrain
                    ? ClassifierTrainer.of(config).train(plan.layout(), x(rows), y(rows))
                    : ClassifierTrainer.of(config).continueFrom(model, x(rows), y(rows));
            if (model != initial) {
              model.close();
            }
            model = updated;
          }
          trainCpu += (cpuNanos() - cpu) / 1e9;
          trained += (long) rows.length * config.epochs();
          updateTimes.add(u);
          updateExamples.add((long) rows.length);
        }
        u = nextUpdate(policy, u, labelled);
      }
    } finally {
      if (learner != null) {
        learner.close();
      } else if (model != initial) {
        model.close();
      }
    }
    List<BinaryMetrics> perSlice = new ArrayList<>();
    for (BinaryMetricsAccumulator s : slices) {
      perSlice.add(s.result());
    }
    long newLabels =
        labelledBy(0, plan.endMillis() - 1) - labelledBy(0, plan.evaluationStartMillis());
    return PolicyResult.single(
        policy.name(),
        all.result(),
        perSlice,
        Cadence.of(updateTimes, updateExamples, newLabels),
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
        int k = labelled + plan.continualBatchSize() - 1;
        yield k < data.size() ? data.labelTime(data.byLabelTime(k)) : Long.MAX_VALUE;
      }
      case WARM_START, RETRAIN -> previous + policy.periodMillis();
    };
  }

  /**
   * The count of examples, in label-time order from {@code from}, labelled at or before {@code t}.
   */
  private int labelledBy(int from, long t) {
    int lo = from;
    int hi = data.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (data.labelTime(data.byLabelTime(mid)) <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int[] newlyKnown(int from, int to) {
    int[] rows = new int[to - from];
    for (int k = from; k < to; k++) {
      rows[k - from] = data.byLabelTime(k);
    }
    return rows;
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
