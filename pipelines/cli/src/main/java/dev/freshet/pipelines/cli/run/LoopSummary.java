package dev.freshet.pipelines.cli.run;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The loop's record at the end of {@code freshet run}: decisions, the iteration cycle (drift onset
 * to the first promotion after it), online NE of the served predictions against the static model
 * before and after the onset, and the chart.
 */
final class LoopSummary {
  private static final int SCORING_BATCH = 1024;
  static final int CHART_SLICES = 30;

  private LoopSummary() {}

  /**
   * Prints the loop's record and writes the chart to {@code work}.
   *
   * @param first the trained model, the static one the served predictions are compared with
   * @param labelled the served predictions whose labels were seen, in event-time order
   * @param driftOnset when the new fraud pattern appears in stream time, or null if it does not
   * @param driftSeenMillis when the replay reached it, in wall-clock milliseconds after its start
   */
  static void print(
      RunOptions options,
      FeatureSpec spec,
      String first,
      LoopReport loop,
      List<RunReport.Labelled> labelled,
      Instant driftOnset,
      long driftSeenMillis,
      Path work,
      PrintStream out)
      throws Exception {
    out.printf("%n=== continual learning ===%n%s%n", loop.counts());
    out.printf(
        "production at the end: %s (%s); started as %s (%s)%n",
        loop.name(loop.production()), loop.production(), loop.name(first), first);
    List<LoopChart.Scored> scored = staticScores(options, spec, first, labelled);
    Long onset = driftOnset == null ? null : driftOnset.toEpochMilli();
    if (onset != null) {
      printIterationCycle(loop, driftOnset, driftSeenMillis, out);
    }
    printOnlineQuality(loop.name(first), scored, onset, out);
    List<LoopChart.Slice> slices = LoopChart.slices(scored, CHART_SLICES);
    Path png = work.resolve("online-ne.png");
    LoopChart.writeCsv(work.resolve("online-ne.csv"), slices);
    LoopChart.writePng(
        png,
        slices,
        scored.get(0).eventTimeMillis(),
        onset,
        loop.decisions(),
        loop.name(first),
        loop::name);
    out.printf("chart: %s (table: %s)%n", png, work.resolve("online-ne.csv"));
  }

  /** From the drift onset to the first promotion after it, in stream time and wall clock. */
  private static void printIterationCycle(
      LoopReport loop, Instant driftOnset, long driftSeenMillis, PrintStream out) {
    long onset = driftOnset.toEpochMilli();
    Optional<LoopReport.Decision> promoted = loop.firstPromotionAfter(onset);
    if (promoted.isPresent()) {
      LoopReport.Decision d = promoted.get();
      out.printf(
          "iteration cycle: new fraud pattern from %s -> %s promoted at stream %s: %.1f h of"
              + " stream time, %.1f s wall clock%n",
          driftOnset,
          loop.name(d.version()),
          Instant.ofEpochMilli(d.streamMillis()),
          (d.streamMillis() - onset) / 3_600_000.0,
          (d.wallMillis() - driftSeenMillis) / 1000.0);
    } else {
      out.printf(
          "iteration cycle: no promotion after the new fraud pattern appeared (%s)%n", driftOnset);
    }
  }

  /**
   * Served against static NE and AUC over the whole stream, before and after the onset (if any) and
   * on its last quarter.
   */
  private static void printOnlineQuality(
      String staticName, List<LoopChart.Scored> scored, Long onset, PrintStream out) {
    long from = scored.get(0).eventTimeMillis();
    long to = scored.get(scored.size() - 1).eventTimeMillis() + 1;
    out.printf(
        "online quality of the labelled predictions (static: %s scoring the same logged vectors):%n",
        staticName);
    out.printf(
        "  %-34s %9s %9s %9s %9s%n", "", "served NE", "static NE", "served AUC", "static AUC");
    long quarter = to - (to - from) / 4;
    printRow(out, "whole stream", LoopChart.between(scored, from, to));
    if (onset != null) {
      printRow(out, "before the new pattern", LoopChart.between(scored, from, onset));
      printRow(out, "after it appeared", LoopChart.between(scored, onset, to));
    }
    printRow(out, "last quarter of the stream", LoopChart.between(scored, quarter, to));
  }

  private static void printRow(PrintStream out, String name, BinaryMetrics[] servedAndStatic) {
    out.printf(
        "  %-34s %9.4f %9.4f %9.4f %9.4f  (%,d labelled, %,d positive)%n",
        name,
        servedAndStatic[0].normalizedEntropy(),
        servedAndStatic[1].normalizedEntropy(),
        servedAndStatic[0].auc(),
        servedAndStatic[1].auc(),
        servedAndStatic[0].examples(),
        servedAndStatic[0].positives());
  }

  /** The labelled predictions with the static model's score on the same logged vectors. */
  private static List<LoopChart.Scored> staticScores(
      RunOptions options, FeatureSpec spec, String first, List<RunReport.Labelled> labelled)
      throws Exception {
    List<LoopChart.Scored> scored = new ArrayList<>(labelled.size());
    try (LoadedModel model =
            ModelRegistry.at(options.getRegistry()).load(first, spec.fingerprint());
        Scorer scorer = Scorer.of(model.classifier())) {
      for (int i = 0; i < labelled.size(); i += SCORING_BATCH) {
        List<RunReport.Labelled> batch =
            labelled.subList(i, Math.min(labelled.size(), i + SCORING_BATCH));
        float[] scores =
            scorer.score(
                batch.stream().map(l -> l.prediction().features()).toArray(float[][]::new));
        for (int j = 0; j < scores.length; j++) {
          Prediction p = batch.get(j).prediction();
          scored.add(
              new LoopChart.Scored(
                  p.eventTimeMillis(), p.score(), scores[j], batch.get(j).label()));
        }
      }
    }
    return scored;
  }
}
