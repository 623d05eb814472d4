package dev.freshet.pipelines.serve;

import dev.freshet.model.evaluation.ArmRouter;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.metrics.LatencyHistogram;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.FeaturedEvent;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
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
 *
 * <p>Metrics (docs/metrics.md): {@code predictions} and {@code predictions_<arm>}, the latency
 * histograms {@code serve_event_latency_milliseconds} (event time to scored) and {@code
 * serve_record_latency_milliseconds} (Kafka record time, the element's timestamp, to scored), the
 * gauges {@code serve_model_created_seconds_<arm>} (which version each arm serves, by its creation
 * time; 0 for no challenger), {@code model_swaps} and {@code model_refused}.
 *
 * <p>With a {@code vectors} tag, each scored vector is also emitted there, keyed by the version
 * that decided its prediction, at event time: the input of the drift monitor.
 */
final class ScoreFn extends DoFn<FeaturedEvent, KV<String, String>> {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreFn.class);

  private final ModelSource source;
  private final String idField;
  private final String timeField;
  private final double threshold;
  private final String specId;
  private final ArmRouter router;
  private final String stickyField;
  private final TupleTag<KV<String, float[]>> vectors;

  private final Counter predictions =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, ServePipeline.PREDICTIONS);
  private final Counter swaps = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "model_swaps");
  private final Counter refusals = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "model_refused");
  private final Counter challengerDecisions =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "challenger_decisions");
  private final Distribution batchSizes =
      Metrics.distribution(ParseEvents.METRICS_NAMESPACE, "score_batch_size");
  private final Map<ArmRouter.Arm, Counter> predictionsByArm =
      perArm(
          arm ->
              Metrics.counter(
                  ParseEvents.METRICS_NAMESPACE, ServePipeline.PREDICTIONS + "_" + arm));
  private final Map<ArmRouter.Arm, Gauge> modelCreated =
      perArm(
          arm ->
              Metrics.gauge(ParseEvents.METRICS_NAMESPACE, "serve_model_created_seconds_" + arm));

  private transient ProductionWatcher watcher;
  private transient LatencyHistogram eventLatency;
  private transient LatencyHistogram recordLatency;
  private transient LoadedModel model;
  private transient Scorer scorer;
  private transient List<FeaturedEvent> batch;
  private transient List<Instant> timestamps;
  private transient LoadedModel challenger;
  private transient Scorer challengerScorer;

  ScoreFn(
      ModelSource source,
      String idField,
      String timeField,
      double threshold,
      ArmRouter router,
      String stickyField,
      TupleTag<KV<String, float[]>> vectors) {
    this.source = source;
    this.idField = idField;
    this.timeField = timeField;
    this.threshold = threshold;
    this.specId = source.fingerprint().substring(0, 16);
    this.router = router;
    this.stickyField = stickyField;
    this.vectors = vectors;
  }

  @Setup
  public void setup() {
    watcher = ProductionWatcher.acquire(source);
    batch = new ArrayList<>();
    timestamps = new ArrayList<>();
    eventLatency = new LatencyHistogram("serve_event_latency_milliseconds");
    recordLatency = new LatencyHistogram("serve_record_latency_milliseconds");
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

  /** Loads the watcher's challenger when it changed; none when it is gone or is production. */
  private void updateChallenger() {
    String wanted = watcher.challenger();
    if (wanted != null && wanted.equals(model.versionId())) {
      wanted = null;
    }
    String current = challenger == null ? null : challenger.versionId();
    if (java.util.Objects.equals(wanted, current)) {
      return;
    }
    closeChallenger();
    if (wanted == null) {
      return;
    }
    try {
      challenger = ModelRegistry.at(source.registry()).load(wanted, source.fingerprint());
      challengerScorer = challenger.classifier().newScorer();
      LOG.info(
          "routing ({}) between {} and challenger {}", router.routing(), model.versionId(), wanted);
    } catch (ModelRejectedException e) {
      LOG.error("challenger {} cannot be loaded: {}", wanted, e.getMessage());
    }
  }

  private void closeChallenger() {
    if (challengerScorer != null) {
      challengerScorer.close();
      challengerScorer = null;
    }
    if (challenger != null) {
      challenger.close();
      challenger = null;
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
    updateChallenger();
    int n = batch.size();
    float[][] rows = new float[n][];
    ArmRouter.Arm[] arms = new ArmRouter.Arm[n];
    ArmRouter.Posteriors posteriors = posteriors();
    List<Integer> production = new ArrayList<>();
    List<Integer> challenged = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FeaturedEvent e = batch.get(i);
      rows[i] = e.features();
      arms[i] =
          router.route(
              Objects.toString(e.event().getValue(stickyField)),
              e.event().getString(idField),
              challenger != null,
              posteriors);
      if (arms[i] == ArmRouter.Arm.CHALLENGER) {
        challenged.add(i);
        challengerDecisions.inc();
      } else {
        production.add(i);
      }
    }
    boolean shadow = challenger != null && router.challengerScoresAll();
    float[] productionScores = score(scorer, rows, shadow ? null : production);
    float[] challengerScores =
        challenger == null ? null : score(challengerScorer, rows, shadow ? null : challenged);
    long now = System.currentTimeMillis();
    for (int i = 0; i < n; i++) {
      FeaturedEvent e = batch.get(i);
      String id = e.event().getString(idField);
      long eventTime = e.event().getDateTime(timeField).getMillis();
      eventLatency.observe(now - eventTime);
      recordLatency.observe(now - timestamps.get(i).getMillis());
      predictionsByArm.get(arms[i]).inc();
      Map<String, Float> scores = new LinkedHashMap<>();
      if (!Float.isNaN(productionScores[i])) {
        scores.put(model.versionId(), productionScores[i]);
      }
      if (challengerScores != null && !Float.isNaN(challengerScores[i])) {
        scores.put(challenger.versionId(), challengerScores[i]);
      }
      boolean byChallenger = arms[i] == ArmRouter.Arm.CHALLENGER;
      String version = byChallenger ? challenger.versionId() : model.versionId();
      float score = scores.get(version);
      Prediction p =
          new Prediction(
              id,
              eventTime,
              score,
              score >= threshold,
              version,
              arms[i].label(),
              specId,
              rows[i],
              now,
              scores);
      context.output(KV.of(id, p.toJson()), timestamps.get(i), GlobalWindow.INSTANCE);
      if (vectors != null) {
        context.output(vectors, KV.of(version, rows[i]), timestamps.get(i), GlobalWindow.INSTANCE);
      }
    }
    predictions.inc(n);
    batchSizes.update(n);
    eventLatency.flush();
    recordLatency.flush();
    modelCreated.get(ArmRouter.Arm.PRODUCTION).set(createdSeconds(model));
    modelCreated.get(ArmRouter.Arm.CHALLENGER).set(createdSeconds(challenger));
    batch.clear();
    timestamps.clear();
  }

  /** One metric per arm, named with the arm's label (production, challenger). */
  private static <M> Map<ArmRouter.Arm, M> perArm(java.util.function.Function<String, M> metric) {
    Map<ArmRouter.Arm, M> byArm = new EnumMap<>(ArmRouter.Arm.class);
    for (ArmRouter.Arm arm : ArmRouter.Arm.values()) {
      byArm.put(arm, metric.apply(arm.label()));
    }
    return byArm;
  }

  private static long createdSeconds(LoadedModel m) {
    return m == null ? 0 : m.manifest().createdAt().getEpochSecond();
  }

  /** Scores the rows at {@code only} (all rows when null); NaN for the rest. */
  private static float[] score(Scorer scorer, float[][] rows, List<Integer> only) {
    if (only == null) {
      return scorer.score(rows);
    }
    float[] out = new float[rows.length];
    java.util.Arrays.fill(out, Float.NaN);
    if (only.isEmpty()) {
      return out;
    }
    float[][] subset = new float[only.size()][];
    for (int k = 0; k < subset.length; k++) {
      subset[k] = rows[only.get(k)];
    }
    float[] scored = scorer.score(subset);
    for (int k = 0; k < subset.length; k++) {
      out[only.get(k)] = scored[k];
    }
    return out;
  }

  private ArmRouter.Posteriors posteriors() {
    if (challenger == null) {
      return ArmRouter.Posteriors.UNIFORM;
    }
    Map<String, double[]> known = watcher.posteriors();
    double[] p = known.getOrDefault(model.versionId(), new double[] {1, 1});
    double[] c = known.getOrDefault(challenger.versionId(), new double[] {1, 1});
    return new ArmRouter.Posteriors(p[0], p[1], c[0], c[1]);
  }

  @Teardown
  public void teardown() {
    closeModel();
    closeChallenger();
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
