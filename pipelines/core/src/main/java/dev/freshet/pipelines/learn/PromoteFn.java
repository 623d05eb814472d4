package dev.freshet.pipelines.learn;

import dev.freshet.model.evaluation.ArmRouter;
import dev.freshet.model.evaluation.OnlinePromoter;
import dev.freshet.model.evaluation.PromotionManager;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.labels.Labeled;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Feeds batches of labelled predictions (every version's score, the version that decided, the
 * label) to the JVM's {@link PromotionManager} and emits its decisions as model events keyed by
 * version. Every batch carries the same key, so one worker judges at a time.
 *
 * <p>Counted: {@code promotions}, {@code rollbacks}, {@code promoter_candidates_rejected} (by the
 * online gate). Metrics per arm, from every labelled score (the deciding version's for its arm, a
 * shadow score for the other arm): {@code online_labelled_<arm>}, and the gauges {@code
 * online_log_loss_milli_<arm>} and {@code online_ne_milli_<arm>} (thousandths) over tumbling
 * windows of {@value #LOSS_WINDOW} labelled predictions ({@link ArmLossWindow}).
 */
final class PromoteFn extends DoFn<KV<String, Iterable<Labeled<Prediction>>>, KV<String, String>> {
  private final String runId;
  private final String registry;
  private final OnlinePromoter.Rule rule;
  private final Counter labelled =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "promoter_labelled_predictions");
  private final Counter promotions = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "promotions");
  private final Counter rollbacks = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "rollbacks");
  private final Counter rejections =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "promoter_candidates_rejected");
  private final Map<ArmRouter.Arm, Counter> labelledByArm = new EnumMap<>(ArmRouter.Arm.class);
  private final Map<ArmRouter.Arm, Gauge> logLossByArm = new EnumMap<>(ArmRouter.Arm.class);
  private final Map<ArmRouter.Arm, Gauge> neByArm = new EnumMap<>(ArmRouter.Arm.class);
  private transient PromotionManager manager;
  private transient Map<ArmRouter.Arm, ArmLossWindow> losses;

  /** Labelled predictions of one arm per window of its online log loss and NE. */
  static final int LOSS_WINDOW = 1000;

  PromoteFn(String runId, String registry, OnlinePromoter.Rule rule) {
    this.runId = runId;
    this.registry = registry;
    this.rule = rule;
    for (ArmRouter.Arm arm : ArmRouter.Arm.values()) {
      String ns = ParseEvents.METRICS_NAMESPACE;
      labelledByArm.put(arm, Metrics.counter(ns, "online_labelled_" + arm.label()));
      logLossByArm.put(arm, Metrics.gauge(ns, "online_log_loss_milli_" + arm.label()));
      neByArm.put(arm, Metrics.gauge(ns, "online_ne_milli_" + arm.label()));
    }
  }

  @Setup
  public void setup() throws Exception {
    manager =
        SharedInstances.acquire("promoter-" + runId, () -> new PromotionManager(registry, rule));
    losses = new EnumMap<>(ArmRouter.Arm.class);
    for (ArmRouter.Arm arm : ArmRouter.Arm.values()) {
      losses.put(arm, new ArmLossWindow(LOSS_WINDOW));
    }
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<Labeled<Prediction>>> batch,
      OutputReceiver<KV<String, String>> out)
      throws Exception {
    for (Labeled<Prediction> l : batch.getValue()) {
      Prediction p = l.value();
      labelled.inc();
      ArmRouter.Arm decidedBy = arm(p.arm());
      if (decidedBy != null) {
        for (Map.Entry<String, Float> score : p.scores().entrySet()) {
          // The deciding version's score counts for its arm, a shadow score for the other arm.
          ArmRouter.Arm arm =
              score.getKey().equals(p.modelVersion()) ? decidedBy : other(decidedBy);
          labelledByArm.get(arm).inc();
          losses.get(arm).add(score.getValue(), l.positive());
        }
      }
      synchronized (manager) {
        for (ModelEvent decision :
            manager.observe(
                new PromotionManager.Labelled(
                    p.scores(), p.modelVersion(), l.positive(), p.eventTimeMillis()))) {
          if (decision.is(ModelEvent.Type.PROMOTED)) {
            promotions.inc();
          } else if (decision.is(ModelEvent.Type.ROLLED_BACK)) {
            rollbacks.inc();
          } else if (decision.is(ModelEvent.Type.CANDIDATE_REJECTED)) {
            rejections.inc();
          }
          out.output(KV.of(decision.version(), decision.toJson()));
        }
      }
    }
    losses.forEach(
        (arm, window) -> {
          BinaryMetrics m = window.report();
          if (m != null) {
            setMilli(logLossByArm.get(arm), m.logLoss());
            setMilli(neByArm.get(arm), m.normalizedEntropy());
          }
        });
  }

  private static ArmRouter.Arm arm(String label) {
    for (ArmRouter.Arm arm : ArmRouter.Arm.values()) {
      if (arm.label().equals(label)) {
        return arm;
      }
    }
    return null;
  }

  private static ArmRouter.Arm other(ArmRouter.Arm arm) {
    return arm == ArmRouter.Arm.PRODUCTION ? ArmRouter.Arm.CHALLENGER : ArmRouter.Arm.PRODUCTION;
  }

  /** Sets {@code gauge} to {@code value} in thousandths (Beam gauges are integers); not NaN. */
  private static void setMilli(Gauge gauge, double value) {
    if (!Double.isNaN(value) && !Double.isInfinite(value)) {
      gauge.set(Math.round(value * 1000));
    }
  }

  @Teardown
  public void teardown() throws Exception {
    if (manager != null) {
      SharedInstances.release("promoter-" + runId);
      manager = null;
    }
  }
}
