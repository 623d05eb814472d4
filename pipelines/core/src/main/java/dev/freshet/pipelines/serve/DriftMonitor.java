package dev.freshet.pipelines.serve;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.transforms.drift.BinCounts;
import dev.freshet.transforms.drift.BinCountsFn;
import dev.freshet.transforms.drift.DriftReference;
import dev.freshet.transforms.drift.DriftStatistics;
import dev.freshet.transforms.drift.FeatureDrift;
import dev.freshet.transforms.events.ParseEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving's drift monitor: scored feature vectors, keyed by the model version that decided their
 * prediction, are cut into event-time fixed windows; each window's histogram per version is
 * compared with that version's training distribution (the {@link DriftReference} in its manifest)
 * and a {@code drift} event, keyed by the version, is emitted for every feature whose PSI is at or
 * above the threshold, or whose values left the version's training range in at least {@code
 * rangeThreshold} of the window's vectors (the model scores those clipped to the range, so a
 * feature that trends out of it, such as a counter or a date, is loud here rather than silently
 * flattened); the event names the range and how far past it the values went:
 *
 * <pre>
 * (version, vector) ─> Window(fixed) ─> bin against the version's reference, summed per bundle
 *                  ─> Combine per version
 *                  ─> PSI and KS per feature ─> metrics; drift events (KV version, JSON)
 * </pre>
 *
 * <p>A window is judged once, when the watermark passes its end (the default trigger); vectors that
 * arrive behind the watermark after that are not counted. Windows with fewer than {@code
 * minExamples} vectors are counted ({@code freshet:drift_windows_too_small}) and not judged.
 * Versions without a reference (registered before drift monitoring; the learner's candidates
 * inherit their lineage's) are skipped and counted ({@code freshet:drift_unmonitored}). Metrics,
 * namespace {@code freshet}: gauges {@code drift_psi_milli_<feature>} and {@code
 * drift_ks_milli_<feature>} (the latest judged window's PSI and KS times 1000; Beam gauges hold
 * integers), {@code drift_out_of_range_permille_<feature>} (the share of the window's values
 * outside the training range, per thousand), counters {@code drift_windows} and {@code
 * drift_events}.
 */
final class DriftMonitor
    extends PTransform<PCollection<KV<String, float[]>>, PCollection<KV<String, String>>> {
  private final String registry;
  private final Duration window;
  private final double threshold;
  private final double rangeThreshold;
  private final long minExamples;

  DriftMonitor(
      String registry, Duration window, double threshold, double rangeThreshold, long minExamples) {
    this.registry = registry;
    this.window = window;
    this.threshold = threshold;
    this.rangeThreshold = rangeThreshold;
    this.minExamples = minExamples;
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<KV<String, float[]>> scored) {
    return scored
        .apply("DriftWindows", Window.into(FixedWindows.of(window)))
        .apply("BinVectors", ParDo.of(new BinFn(registry)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), BinCounts.coder()))
        .apply("CountBins", Combine.perKey(BinCountsFn.merging()))
        .apply(
            "JudgeWindows", ParDo.of(new JudgeFn(registry, threshold, rangeThreshold, minExamples)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
  }

  /** Each worker's references by version; manifests are immutable, so they are read once. */
  private static final class References {
    private final String registry;
    private final Map<String, Optional<DriftReference>> byVersion = new HashMap<>();

    References(String registry) {
      this.registry = registry;
    }

    Optional<DriftReference> of(String version) {
      return byVersion.computeIfAbsent(
          version,
          v -> {
            try {
              return ModelRegistry.at(registry).describe(v).manifest().drift();
            } catch (IOException e) {
              throw new UncheckedIOException("cannot read the manifest of " + v, e);
            }
          });
    }
  }

  /**
   * Bins each vector against its version's reference and adds it to the bundle's histogram of its
   * (version, window); the histograms leave at the end of the bundle, so the shuffle before the
   * combine carries one histogram per version and window per bundle rather than one per vector (the
   * runners do not lift combiners in streaming). Vectors of versions without a reference are
   * counted.
   */
  static final class BinFn extends DoFn<KV<String, float[]>, KV<String, BinCounts>> {
    private static final Logger LOG = LoggerFactory.getLogger(BinFn.class);
    private final String registry;
    private final Counter unmonitored =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "drift_unmonitored");
    private transient References references;
    private transient Set<String> warned;
    private transient Map<KV<String, BoundedWindow>, BinCounts> bundle;

    BinFn(String registry) {
      this.registry = registry;
    }

    @Setup
    public void setup() {
      references = new References(registry);
      warned = new HashSet<>();
      bundle = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element KV<String, float[]> scored, BoundedWindow window) {
      Optional<DriftReference> reference = references.of(scored.getKey());
      if (reference.isEmpty()) {
        if (warned.add(scored.getKey())) {
          LOG.warn(
              "model {} has no drift reference in its manifest: its predictions are not"
                  + " monitored for drift (retrain with freshet train to add one)",
              scored.getKey());
        }
        unmonitored.inc();
        return;
      }
      bundle
          .computeIfAbsent(KV.of(scored.getKey(), window), k -> BinCounts.empty())
          .add(reference.get(), scored.getValue());
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      bundle.forEach(
          (versionAndWindow, counts) ->
              context.output(
                  KV.of(versionAndWindow.getKey(), counts),
                  versionAndWindow.getValue().maxTimestamp(),
                  versionAndWindow.getValue()));
      bundle.clear();
    }
  }

  /** PSI and KS of a version's window; metrics; a drift event per feature over the threshold. */
  static final class JudgeFn extends DoFn<KV<String, BinCounts>, KV<String, String>> {
    private static final Logger LOG = LoggerFactory.getLogger(JudgeFn.class);
    private final String registry;
    private final double threshold;
    private final double rangeThreshold;
    private final long minExamples;
    private final Counter windows = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "drift_windows");
    private final Counter tooSmall =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "drift_windows_too_small");
    private final Counter events = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "drift_events");
    private transient References references;

    JudgeFn(String registry, double threshold, double rangeThreshold, long minExamples) {
      this.registry = registry;
      this.threshold = threshold;
      this.rangeThreshold = rangeThreshold;
      this.minExamples = minExamples;
    }

    @Setup
    public void setup() {
      references = new References(registry);
    }

    @ProcessElement
    public void process(
        @Element KV<String, BinCounts> counts,
        IntervalWindow window,
        OutputReceiver<KV<String, String>> out) {
      String version = counts.getKey();
      BinCounts histogram = counts.getValue();
      if (histogram.examples() < minExamples) {
        tooSmall.inc();
        return;
      }
      DriftReference reference = references.of(version).orElseThrow();
      windows.inc();
      List<FeatureDrift> features = DriftStatistics.compare(reference, histogram);
      LOG.info(
          "drift window [{}, {}) of {}: {} events, PSI {}",
          isoTime(window.start()),
          isoTime(window.end()),
          version,
          histogram.examples(),
          features.stream()
              .map(d -> String.format("%s %.3f", d.feature(), d.psi()))
              .collect(Collectors.joining(", ")));
      for (FeatureDrift drift : features) {
        Metrics.gauge(ParseEvents.METRICS_NAMESPACE, "drift_psi_milli_" + drift.feature())
            .set(Math.round(drift.psi() * 1000));
        if (!Double.isNaN(drift.ks())) {
          Metrics.gauge(ParseEvents.METRICS_NAMESPACE, "drift_ks_milli_" + drift.feature())
              .set(Math.round(drift.ks() * 1000));
        }
        if (drift.range() != null) {
          Metrics.gauge(
                  ParseEvents.METRICS_NAMESPACE, "drift_out_of_range_permille_" + drift.feature())
              .set(Math.round(drift.outsideShare() * 1000));
        }
        boolean shifted = drift.psi() >= threshold;
        boolean outOfRange = drift.outsideShare() >= rangeThreshold;
        if (shifted || outOfRange) {
          events.inc();
          String reason = reason(drift, shifted, outOfRange);
          LOG.warn(
              "drift: {} of {} in [{}, {}): {}",
              drift.feature(),
              version,
              isoTime(window.start()),
              isoTime(window.end()),
              reason);
          out.output(
              KV.of(version, event(version, drift, window, reference, threshold, reason).toJson()));
        }
      }
    }

    /** "PSI 2.310 (threshold 0.2); 100.0% of 5000 values: 5000 above the training range ...". */
    private String reason(FeatureDrift drift, boolean shifted, boolean outOfRange) {
      StringBuilder text = new StringBuilder();
      text.append(
          String.format(
              Locale.ROOT,
              "PSI %.3f (%s threshold %s)",
              drift.psi(),
              shifted ? "at or above" : "below",
              threshold));
      if (outOfRange) {
        text.append(
            String.format(
                Locale.ROOT,
                "; %.1f%% of %d values outside the range the model was trained on: %s;"
                    + " it scores them clipped to the range (retrain on recent data, or let the"
                    + " learner follow the feature: --normalizationMemory)",
                drift.outsideShare() * 100,
                drift.examples(),
                drift.range().describe()));
      } else {
        text.append(String.format(Locale.ROOT, ", %d events", drift.examples()));
      }
      return text.toString();
    }

    private static ModelEvent event(
        String version,
        FeatureDrift drift,
        IntervalWindow window,
        DriftReference reference,
        double threshold,
        String reason) {
      return ModelEvent.of(ModelEvent.Type.DRIFT, version, "serve")
          .examples(drift.examples())
          .reason(reason)
          .drift(
              new ModelEvent.Drift(
                  drift.feature(),
                  drift.psi(),
                  drift.ks(),
                  threshold,
                  java.time.Instant.ofEpochMilli(window.start().getMillis()),
                  java.time.Instant.ofEpochMilli(window.end().getMillis()),
                  reference.examples(),
                  drift.range()))
          .build();
    }
  }

  /** As the other model events write times: ISO-8601, UTC, no trailing zero millis. */
  private static String isoTime(org.joda.time.Instant time) {
    return java.time.Instant.ofEpochMilli(time.getMillis()).toString();
  }
}
