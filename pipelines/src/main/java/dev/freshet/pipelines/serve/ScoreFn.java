package dev.freshet.pipelines.serve;

import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.FeaturedEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores featured events with the production model: the events of a bundle are scored as one batch
 * by this instance's own DJL predictor (created in {@code @Setup}, never shared between threads)
 * and emitted as {@link Prediction} JSON keyed by event id, at event time.
 *
 * <p>Hot swap: at the start of each bundle the instance asks the JVM's {@link ProductionWatcher}
 * which version to serve; when it changed, the new version is loaded before the bundle is scored
 * and the old one closed. No event waits for a restart and none is dropped: a bundle is scored
 * entirely by one version, the one named on its predictions.
 */
final class ScoreFn extends DoFn<FeaturedEvent, KV<String, String>> {
  static final String ARM = "production";
  private static final Logger LOG = LoggerFactory.getLogger(ScoreFn.class);

  private final ModelSource source;
  private final String idField;
  private final String timeField;
  private final double threshold;
  private final String specId;

  private final Counter predictions =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, ServePipeline.PREDICTIONS);
  private final Counter swaps = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "model_swaps");
  private final Counter refusals = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "model_refused");
  private final Distribution batchSizes =
      Metrics.distribution(ParseEvents.METRICS_NAMESPACE, "score_batch_size");

  private transient ProductionWatcher watcher;
  private transient LoadedModel model;
  private transient Scorer scorer;
  private transient List<FeaturedEvent> batch;
  private transient List<Instant> timestamps;

  ScoreFn(ModelSource source, String idField, String timeField, double threshold) {
    this.source = source;
    this.idField = idField;
    this.timeField = timeField;
    this.threshold = threshold;
    this.specId = source.fingerprint().substring(0, 16);
  }

  @Setup
  public void setup() {
    watcher = ProductionWatcher.acquire(source);
    batch = new ArrayList<>();
    timestamps = new ArrayList<>();
  }

  @StartBundle
  public void startBundle() throws InterruptedException {
    refusals.inc(watcher.drainRefusals());
    String version = watcher.awaitApproved();
    if (model != null && model.versionId().equals(version)) {
      return;
    }
    LoadedModel next;
    try {
      next = ModelRegistry.at(source.registry()).load(version, source.fingerprint());
    } catch (ModelRejectedException e) {
      // Verified by the watcher a moment ago, so the files changed since: keep the current one.
      if (model == null) {
        throw new IllegalStateException("cannot load the approved model " + version, e);
      }
      LOG.error("keeping {}: {}", model.versionId(), e.getMessage());
      return;
    }
    String previous = closeModel();
    model = next;
    scorer = next.classifier().newScorer();
    if (previous != null) {
      swaps.inc();
      LOG.info("now scoring with {} (was {})", version, previous);
    }
  }

  @ProcessElement
  public void process(@Element FeaturedEvent event, @Timestamp Instant timestamp) {
    batch.add(event);
    timestamps.add(timestamp);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    if (batch.isEmpty()) {
      return;
    }
    float[][] rows = new float[batch.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = batch.get(i).features();
    }
    float[] scores = scorer.score(rows);
    long now = System.currentTimeMillis();
    for (int i = 0; i < rows.length; i++) {
      FeaturedEvent e = batch.get(i);
      String id = e.event().getString(idField);
      Prediction p =
          new Prediction(
              id,
              e.event().getDateTime(timeField).getMillis(),
              scores[i],
              scores[i] >= threshold,
              model.versionId(),
              ARM,
              specId,
              rows[i],
              now);
      context.output(KV.of(id, p.toJson()), timestamps.get(i), GlobalWindow.INSTANCE);
    }
    predictions.inc(rows.length);
    batchSizes.update(rows.length);
    batch.clear();
    timestamps.clear();
  }

  @Teardown
  public void teardown() {
    closeModel();
    if (watcher != null) {
      ProductionWatcher.release(watcher);
      watcher = null;
    }
  }

  /** Closes the current scorer and model; returns the version that was loaded, if any. */
  private String closeModel() {
    String version = model == null ? null : model.versionId();
    if (scorer != null) {
      scorer.close();
      scorer = null;
    }
    if (model != null) {
      model.close();
      model = null;
    }
    return version;
  }
}
