package dev.freshet.pipelines.freshness;

import dev.freshet.model.metrics.BinaryMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The experiment's outputs: the table per policy (Markdown and CSV), NE per slice of stream time
 * (CSV and a PNG chart), and summary lines comparing neighbouring update frequencies ("daily
 * instead of weekly: NE −1.0%") and each retrain with the warm start of the same period.
 */
public final class FreshnessReport {
  /** Frequencies from the least to the most fresh; summaries compare neighbours present. */
  private static final List<String> LADDER =
      List.of("static", "monthly", "weekly", "daily", "hourly", "continual");

  private static final double DAY_MILLIS = 86_400_000.0;

  private final List<PolicyResult> results;
  private final ReplayPlan plan;

  public FreshnessReport(List<PolicyResult> results, ReplayPlan plan) {
    this.results = List.copyOf(results);
    this.plan = plan;
  }

  public List<PolicyResult> results() {
    return results;
  }

  public Optional<PolicyResult> result(String policy) {
    return results.stream().filter(r -> r.policy().equals(policy)).findFirst();
  }

  /** Lines like {@code daily instead of weekly: NE −1.0% (0.8123 -> 0.8042)}. */
  public List<String> summary() {
    List<String> lines = new ArrayList<>();
    List<PolicyResult> ladder = new ArrayList<>();
    for (String name : LADDER) {
      result(name).ifPresent(ladder::add);
    }
    for (int i = 1; i < ladder.size(); i++) {
      lines.add(compare(ladder.get(i), ladder.get(i - 1), false));
    }
    for (PolicyResult r : results) {
      if (r.policy().startsWith("retrain-")) {
        Optional<PolicyResult> warm = result(r.policy().substring("retrain-".length()));
        warm.ifPresent(w -> lines.add(compare(r, w, true)));
      }
    }
    if (ladder.size() > 2 && ladder.get(0).policy().equals("static")) {
      lines.add(compare(ladder.get(ladder.size() - 1), ladder.get(0), false));
    }
    return lines;
  }

  private static String compare(PolicyResult fresher, PolicyResult other, boolean cost) {
    double a = other.metrics().normalizedEntropy();
    double b = fresher.metrics().normalizedEntropy();
    String line =
        String.format(
            Locale.ROOT,
            "%s instead of %s: NE %s (%.4f -> %.4f), AUC %.4f -> %.4f",
            fresher.policy(),
            other.policy(),
            percent((b - a) / a),
            a,
            b,
            other.metrics().auc(),
            fresher.metrics().auc());
    if (cost && other.trainCpuSeconds() > 0) {
      line +=
          String.format(
              Locale.ROOT,
              ", %.1fx the examples trained and %.1fx the training CPU",
              fresher.examplesTrained() / (double) Math.max(1, other.examplesTrained()),
              fresher.trainCpuSeconds() / other.trainCpuSeconds());
    }
    return line;
  }

  /** {@code −1.2%} or {@code +0.4%} (with a real minus sign, as in the papers' tables). */
  static String percent(double fraction) {
    String s = String.format(Locale.ROOT, "%+.1f%%", 100 * fraction);
    return s.replace('-', '\u2212');
  }

  /** The Markdown table, one row per policy in the order run. */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append(
        "| policy | updates | NE | AUC | log loss | accuracy | calibration | NE vs static"
            + " | examples trained | train CPU s | score CPU s | wall s |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Optional<PolicyResult> fixed = result("static");
    for (PolicyResult r : results) {
      BinaryMetrics m = r.metrics();
      String vsStatic =
          fixed
              .map(
                  s ->
                      percent(
                          (m.normalizedEntropy() - s.metrics().normalizedEntropy())
                              / s.metrics().normalizedEntropy()))
              .orElse("");
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.4f | %.4f | %.4f | %.4f | %.3f | %s | %,d | %.1f | %.1f | %.1f |%n",
              r.policy(),
              r.updates(),
              m.normalizedEntropy(),
              m.auc(),
              m.logLoss(),
              m.accuracy(),
              m.calibration(),
              vsStatic,
              r.examplesTrained(),
              r.trainCpuSeconds(),
              r.scoreCpuSeconds(),
              r.wallSeconds()));
    }
    return b.toString();
  }

  /**
   * Writes {@code freshness.md}, {@code freshness.csv}, {@code freshness-slices.csv} and {@code
   * freshness.png}.
   */
  public void write(Path dir, String header) throws IOException {
    Files.createDirectories(dir);
    StringBuilder md = new StringBuilder();
    md.append("# Freshness\n\n").append(header).append("\n\n").append(markdown()).append('\n');
    for (String line : summary()) {
      md.append("- ").append(line).append('\n');
    }
    md.append("\n![NE over stream time per policy](freshness.png)\n");
    Files.writeString(dir.resolve("freshness.md"), md.toString());
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("freshness.csv")))) {
      w.println(
          "policy,updates,examples,positives,ne,auc,log_loss,accuracy,calibration,"
              + "examples_trained,train_cpu_s,score_cpu_s,wall_s");
      for (PolicyResult r : results) {
        BinaryMetrics m = r.metrics();
        w.printf(
            Locale.ROOT,
            "%s,%d,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%d,%.3f,%.3f,%.3f%n",
            r.policy(),
            r.updates(),
            m.examples(),
            m.positives(),
            m.normalizedEntropy(),
            m.auc(),
            m.logLoss(),
            m.accuracy(),
            m.calibration(),
            r.examplesTrained(),
            r.trainCpuSeconds(),
            r.scoreCpuSeconds(),
            r.wallSeconds());
      }
    }
    try (PrintWriter w =
        new PrintWriter(Files.newBufferedWriter(dir.resolve("freshness-slices.csv")))) {
      w.println("policy,slice_start,examples,positives,ne,auc,log_loss");
      for (PolicyResult r : results) {
        for (int i = 0; i < r.slices().size(); i++) {
          BinaryMetrics m = r.slices().get(i);
          w.printf(
              Locale.ROOT,
              "%s,%s,%d,%d,%.6f,%.6f,%.6f%n",
              r.policy(),
              Instant.ofEpochMilli(plan.sliceStart(i)),
              m.examples(),
              m.positives(),
              m.normalizedEntropy(),
              m.auc(),
              m.logLoss());
        }
      }
    }
    writePng(dir.resolve("freshness.png"));
  }

  private void writePng(Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(1200)
            .height(600)
            .title("Prequential NE over stream time per update policy (lower is better)")
            .xAxisTitle(
                "stream time, days since the evaluation start "
                    + Instant.ofEpochMilli(plan.evaluationStartMillis()))
            .yAxisTitle("normalized entropy")
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(4);
    chart.getStyler().setXAxisDecimalPattern("0.#");
    chart.getStyler().setYAxisDecimalPattern("0.000");
    for (PolicyResult r : results) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < r.slices().size(); i++) {
        BinaryMetrics m = r.slices().get(i);
        if (m.examples() > 0 && Double.isFinite(m.normalizedEntropy())) {
          double mid = (plan.sliceStart(i) + plan.sliceStart(i + 1)) / 2.0;
          x.add((mid - plan.evaluationStartMillis()) / DAY_MILLIS);
          y.add(m.normalizedEntropy());
        }
      }
      if (!x.isEmpty()) {
        chart.addSeries(r.policy(), x, y);
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
