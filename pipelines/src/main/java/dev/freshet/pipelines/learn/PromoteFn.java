package dev.freshet.pipelines.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.kafka.ModelEvents;
import dev.freshet.transforms.events.ParseEvents;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Feeds batches of labelled predictions (JSON {@code {"decided_by": version, "scores": {version:
 * score}, "label": b}}) to the JVM's {@link PromotionManager} and emits its decisions as model
 * events keyed by version. Every batch carries the same key, so one worker judges at a time.
 */
final class PromoteFn extends DoFn<KV<String, Iterable<String>>, KV<String, String>> {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** The promoter's input for one labelled prediction. */
  static String labelledScores(
      Map<String, Float> scores, String decidedBy, boolean label, long eventTimeMillis) {
    ObjectNode node =
        JSON.createObjectNode().put("decided_by", decidedBy).put("event_time", eventTimeMillis);
    ObjectNode byVersion = node.putObject("scores");
    scores.forEach(byVersion::put);
    return node.put("label", label).toString();
  }

  @Setup
  public void setup() throws Exception {
    manager =
        SharedInstances.acquire("promoter-" + runId, () -> new PromotionManager(registry, rule));
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<String>> batch, OutputReceiver<KV<String, String>> out)
      throws Exception {
    for (String json : batch.getValue()) {
      JsonNode node = JSON.readTree(json);
      Map<String, Float> scores = new HashMap<>();
      node.get("scores")
          .fields()
          .forEachRemaining(e -> scores.put(e.getKey(), (float) e.getValue().asDouble()));
      labelled.inc();
      synchronized (manager) {
        for (ObjectNode decision :
            manager.observe(
                new PromotionManager.Labelled(
                    scores,
                    node.get("decided_by").asText(),
                    node.get("label").asBoolean(),
                    node.get("event_time").asLong()))) {
          String type = decision.path("type").asText();
          if (type.equals(ModelEvents.PROMOTED)) {
            promotions.inc();
          } else if (type.equals(ModelEvents.ROLLED_BACK)) {
            rollbacks.inc();
          }
          out.output(KV.of(decision.path("version").asText(), decision.toString()));
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
