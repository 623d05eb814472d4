package dev.freshet.pipelines.cli.run;

import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.cli.page.LivePage;
import dev.freshet.pipelines.cli.page.OnlineNe;
import dev.freshet.pipelines.cli.page.PageState;
import dev.freshet.pipelines.cli.page.PageState.Marker;
import dev.freshet.pipelines.cli.page.PageState.NeSeries;
import dev.freshet.pipelines.cli.page.PageState.Traffic;
import dev.freshet.pipelines.cli.page.PageState.TrafficSample;
import dev.freshet.pipelines.cli.status.LoopStatus;
import dev.freshet.pipelines.cli.status.LoopStatusReader;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.testdata.FraudSummary;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The live page's state during {@code freshet run}: the loop's state read as {@code freshet status}
 * reads it (registry, {@code model-events}, serve's lag), online NE over stream time as labels
 * settle (served against the static first model), the decisions the run has seen as markers, and
 * throughput and latency sampled every second.
 */
final class RunPage implements Supplier<PageState>, AutoCloseable {
  /** How often the loop's state is read again (it reads model-events from its start). */
  private static final long STATUS_EVERY_SECONDS = 3;

  private static final int MAX_SAMPLES = 3_600;

  private final ReplayWatch watch;
  private final OnlineNe ne;
  private final LoopStatusReader reader;
  private final String staticName;
  private final @Nullable Long driftOnsetMillis;
  private final List<String> notes;
  private final long startNanos = System.nanoTime();
  private final List<TrafficSample> samples = new ArrayList<>();

  /** Samples traffic and reads the loop's state in the background: a slow read delays no page. */
  private final ScheduledExecutorService background =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "freshet-live-page-background");
            t.setDaemon(true);
            return t;
          });

  private long lastSampleNanos = startNanos;
  private long lastPredictions;
  private volatile @Nullable LoopStatus status;
  private volatile @Nullable String statusError;

  RunPage(
      RunOptions options,
      ReplayWatch watch,
      OnlineNe ne,
      String staticName,
      @Nullable Long driftOnsetMillis,
      List<String> notes) {
    this.watch = watch;
    this.ne = ne;
    this.staticName = staticName;
    this.driftOnsetMillis = driftOnsetMillis;
    this.notes = List.copyOf(notes);
    this.reader =
        new LoopStatusReader(
            ModelRegistry.at(options.getRegistry()),
            options.getRegistry(),
            KafkaClients.of(options),
            options.getModelEventsTopic(),
            options.getEventsTopic(),
            options.getConsumerGroup());
    background.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    background.scheduleWithFixedDelay(this::readStatus, 0, STATUS_EVERY_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Starts the live page of a run unless {@code --http=-1}: the static model is {@code first}, the
   * chart's slices those of the final chart; prints its address. Returns what to close when the run
   * ends.
   */
  static AutoCloseable serve(
      RunOptions options,
      FeatureSpec spec,
      String first,
      GeneratedFraud stream,
      ReplayWatch watch,
      Path work,
      PrintStream out)
      throws Exception {
    if (options.getHttp() < 0) {
      return () -> {};
    }
    LoadedModel model = ModelRegistry.at(options.getRegistry()).load(first, spec.fingerprint());
    Scorer scorer = Scorer.of(model.classifier());
    FraudSummary summary = stream.summary();
    long origin = summary.firstEventTime().toEpochMilli();
    long slice = (summary.lastEventTime().toEpochMilli() - origin) / LoopSummary.CHART_SLICES + 1;
    OnlineNe ne =
        new OnlineNe(
            origin, slice, spec.labelWindow().getMillis(), stream.outcomeTimes(), scorer::score);
    watch.onPrediction(ne::add);
    List<String> notes = new ArrayList<>();
    notes.add(
        "a prediction counts once its label is known in stream time (its chargeback, or "
            + spec.labelWindow().getStandardHours()
            + " h without one): the latest slices fill in late");
    notes.add(
        "the page stops with the run; the final chart is written to "
            + work.resolve("online-ne.png"));
    if (!options.getLoop()) {
      notes.add("--loop=false: serve alone, no candidates or promotions");
    }
    Instant onset = summary.driftOnset();
    RunPage state =
        new RunPage(
            options,
            watch,
            ne,
            watch.loop().name(first),
            onset == null ? null : onset.toEpochMilli(),
            notes);
    LivePage page = LivePage.start(options.getHttpAddress(), options.getHttp(), state);
    out.printf("      live page: %s (refreshed every 2 s while the run lasts)%n", page.url());
    return () -> {
      page.close();
      state.close();
      scorer.close();
      model.close();
    };
  }

  @Override
  public PageState get() {
    long streamNow = watch.streamTime();
    if (streamNow > 0) {
      ne.settle(streamNow);
    }
    RunReport report = watch.report();
    List<TrafficSample> history;
    synchronized (this) {
      history = List.copyOf(samples);
    }
    Traffic traffic =
        new Traffic(
            report.sent(),
            report.predictions(),
            report.deadLetters(),
            report.p50Millis(),
            report.p99Millis(),
            history);
    return new PageState(
        "freshet run",
        Instant.now(),
        status,
        status == null && statusError == null ? "reading the loop's state..." : statusError,
        new NeSeries(
            "stream time (UTC; event time of the payments)",
            "served by the loop",
            "static model " + staticName + " (the first, never updated)",
            ne.points(),
            ne.labelled(),
            ne.pending(),
            emptyNote(streamNow)),
        markers(),
        streamNow == 0 ? null : streamNow,
        driftOnsetMillis,
        traffic,
        notes);
  }

  private String emptyNote(long streamNow) {
    if (streamNow == 0) {
      return "no data yet: the replay has not started";
    }
    if (ne.labelled() == 0) {
      return String.format(
          Locale.ROOT,
          "no labels yet: %,d predictions wait for theirs (a chargeback, or the label window"
              + " closing without one)",
          ne.pending());
    }
    return "";
  }

  /** Reads the loop's state; a failed read keeps the last state and says why. */
  private void readStatus() {
    try {
      status = reader.read();
      statusError = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      statusError = "reading the loop's state failed: " + e.getMessage();
    }
  }

  /** The decisions the run has seen, where the served stream was when each was announced. */
  private List<Marker> markers() {
    LoopReport loop = watch.loop();
    List<Marker> markers = new ArrayList<>();
    for (LoopReport.Decision d : loop.decisions()) {
      String evidence = LoopStatusReader.reason(d.event());
      markers.add(
          new Marker(
              d.streamMillis(),
              d.event().at(),
              d.type().json(),
              d.version(),
              loop.name(d.version()),
              describe(d.type(), loop, d) + (evidence == null ? "" : ": " + evidence)));
    }
    return markers;
  }

  private static String describe(Type type, LoopReport loop, LoopReport.Decision d) {
    String name = loop.name(d.version());
    return switch (type) {
      case PROMOTED -> name + " promoted over " + nameOf(loop, d.event().previous());
      case ROLLED_BACK -> name + " rolled back to " + nameOf(loop, d.event().restored());
      case CANDIDATE -> "candidate " + name + " passed the offline gate";
      case CANDIDATE_REJECTED ->
          (d.event().online() != null ? "candidate " + name : "a copy of " + name) + " rejected";
      default -> name + " " + type.json();
    };
  }

  private static String nameOf(LoopReport loop, @Nullable String version) {
    return version == null ? "?" : loop.name(version);
  }

  /** Predictions per second since the last sample and the p99 latency of those predictions. */
  private synchronized void sample() {
    long now = System.nanoTime();
    RunReport report = watch.report();
    long predictions = report.predictions();
    double seconds = (now - lastSampleNanos) / 1e9;
    samples.add(
        new TrafficSample(
            (now - startNanos) / 1e9,
            (predictions - lastPredictions) / seconds,
            report.takeRecentP99Millis()));
    if (samples.size() > MAX_SAMPLES) {
      samples.remove(0);
    }
    lastSampleNanos = now;
    lastPredictions = predictions;
  }

  @Override
  public void close() {
    background.shutdownNow();
  }
}
