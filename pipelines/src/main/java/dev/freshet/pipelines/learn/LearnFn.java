package dev.freshet.pipelines.learn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.kafka.ModelEvents;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.FeatureSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds micro-batches of labelled examples (JSON {@link LearnExample}s) to the {@link
 * CandidateLearner} and emits its gate decisions as model events keyed by version.
 *
 * <p>Every micro-batch carries the same key, so one worker owns the learner at a time; its DoFn
 * instances in that JVM share one learner per pipeline run (the direct runner may create several
 * instances). A worker that takes the key over resumes from the learner's latest candidate.
 */
final class LearnFn extends DoFn<KV<String, Iterable<String>>, KV<String, String>> {
  private static final Logger LOG = LoggerFactory.getLogger(LearnFn.class);

  /** Learner setup that travels with the DoFn. */
  record Config(String runId, String registry, FeatureSpec spec, CandidateLearner.Settings settings)
      implements java.io.Serializable {}

  private final Config config;
  private final Counter trained = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_examples");
  private final Counter skipped =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_examples_seen_before");
  private final Counter batches =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_micro_batches");
  private final Counter accepted =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_candidates_registered");
  private final Counter rejected =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_candidates_rejected");
  private transient CandidateLearner learner;

  LearnFn(Config config) {
    this.config = config;
  }

  @Setup
  public void setup() throws Exception {
    learner =
        SharedInstances.acquire(
            "learner-" + config.runId(),
            () ->
                CandidateLearner.start(
                    ModelRegistry.at(config.registry()),
                    config.spec().fingerprint(),
                    config.settings(),
                    SmokeTestSet.read(config.registry(), config.spec())));
  }

  @ProcessElement
  public void process(
      @Element KV<String, Iterable<String>> batch, OutputReceiver<KV<String, String>> out)
      throws Exception {
    List<LearnExample> examples = new ArrayList<>();
    for (String json : batch.getValue()) {
      examples.add(LearnExample.parse(json));
    }
    CandidateLearner.Step step;
    synchronized (learner) {
      try {
        step = learner.learn(examples);
      } catch (Exception | Error e) {
        LOG.error("the learner failed on a micro-batch of {} examples", examples.size(), e);
        throw e;
      }
    }
    batches.inc();
    trained.inc(step.trained());
    skipped.inc(step.skipped());
    if (step.decision().isPresent()) {
      ObjectNode event = step.decision().get();
      (event.path("type").asText().equals(ModelEvents.CANDIDATE) ? accepted : rejected).inc();
      out.output(KV.of(event.path("version").asText(), event.toString()));
    }
  }

  @Teardown
  public void teardown() throws Exception {
    if (learner != null) {
      SharedInstances.release("learner-" + config.runId());
      learner = null;
    }
  }
}
