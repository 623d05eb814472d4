package dev.freshet.pipelines.learn;

import dev.freshet.model.evaluation.OnlinePromoter;
import dev.freshet.model.evaluation.PromotionManager;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.labels.Labeled;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Feeds batches of labelled predictions (every version's score, the version that decided, the
 * label) to the JVM's {@link PromotionManager} and emits its decisions as model events keyed by
 * version. Every batch carries the same key, so one worker judges at a time.
 */
final class PromoteFn extends DoFn<KV<String, Iterable<Labeled<Prediction>>>, KV<String, String>> {
  private final String runId;
  private final String registry;
  private final OnlinePromoter.Rule rule;
  private final Counter labelled =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "promoter_labelled_predictions");
  private final Counter promotions = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "promotions");
  private final Counter rollbacks = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "rollbacks");
  private transient PromotionManager manager;

  PromoteFn(String runId, String registry, OnlinePromoter.Rule rule) {
    this.runId = runId;
    this.registry = registry;
    this.rule = rule;
  }

  @Setup
  public void setup() throws Exception {
    manager =
        SharedInstances.acquire("promoter-" + runId, () -> new PromotionManager(registry, rule));
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<Labeled<Prediction>>> batch,
      OutputReceiver<KV<String, String>> out)
      throws Exception {
    for (Labeled<Prediction> l : batch.getValue()) {
      Prediction p = l.value();
      labelled.inc();
      synchronized (manager) {
        for (ModelEvent decision :
            manager.observe(
                new PromotionManager.Labelled(
                    p.scores(), p.modelVersion(), l.positive(), p.eventTimeMillis()))) {
          if (decision.is(ModelEvent.Type.PROMOTED)) {
            promotions.inc();
          } else if (decision.is(ModelEvent.Type.ROLLED_BACK)) {
            rollbacks.inc();
          }
          out.output(KV.of(decision.version(), decision.toJson()));
        }
      }
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
