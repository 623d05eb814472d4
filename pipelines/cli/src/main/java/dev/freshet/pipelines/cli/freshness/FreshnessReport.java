package dev.freshet.pipelines.cli.freshness;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.pipelines.cli.CsvFiles;
import dev.freshet.pipelines.freshness.CadenceNote;
import dev.freshet.pipelines.freshness.PolicyResult;
import dev.freshet.pipelines.freshness.ReplayPlan;
import dev.freshet.pipelines.freshness.UpdatePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The experiment's outputs: the table per policy (Markdown and CSV), NE per slice of stream time
 * (CSV and a PNG chart), summary lines comparing neighbouring update frequencies ("daily instead of
 * weekly: NE −1.0%") and each retrain with the warm start of the same period, and the update
 * cadence: how often each policy really updated (median interval and examples per update, next to
 * its name), the update sizes used, and a warning for every policy whose name does not describe
 * what ran ({@link CadenceNote}).
 */
public final class FreshnessReport {
  /** Frequencies from the least to the most fresh; summaries compare neighbours present. */
  private static final List<String> LADDER =
      List.of("static", "monthly", "weekly", "daily", "hourly", "continual");

  private static final double DAY_MILLIS = 86_400_000.0;
  private static final double HOUR_MILLIS = 3_600_000.0;

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

  /** The note on each policy whose updates were not as named, or that updated at most once. */
  public List<CadenceNote> cadenceNotes() {
    List<CadenceNote> notes = new ArrayList<>();
    for (PolicyResult r : results) {
      CadenceNote.of(UpdatePolicy.parse(r.policy()), r.cadence(), plan).ifPresent(notes::add);
    }
    return notes;
  }

  /**
   * The update sizes used and why ({@code --minUpdateExamples not set: daily 25 (...)}), then a
   * line per cadence note, starting {@code warning:} or {@code note:}.
   */
  public List<String> cadence() {
    List<String> lines =
        new ArrayList<>(
            plan.sizes()
                .describe(results.stream().map(r -> UpdatePolicy.parse(r.policy())).toList()));
    for (CadenceNote n : cadenceNotes()) {
      lines.add((n.warning() ? "warning: " : "note: ") + n.text());
    }
    return lines;
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

  /**
   * The Markdown table, one row per policy in the order run; next to the name, the updates made,
   * the median time between them (event time) and the median examples per update.
   */
  public String markdown() {
    StringBuilder b = new StringBuilder();
    b.append(
        "| policy | updates | every (median) | examples per update (median) | NE | AUC | log loss"
            + " | accuracy | calibration | NE vs static | examples trained | train CPU s"
            + " | score CPU s | wall s |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
              "| %s | %,d | %s | %s | %s | %.4f | %.4f | %.4f | %.3f | %s | %,d | %.1f | %.1f"
                  + " | %.1f |%n",
              r.policy(),
              r.updates(),
              r.cadence().intervalText(),
              r.cadence().examplesText(),
              neText(r),
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
   * The compute each way of keeping the model fresh needs for the same prequential NE: for every
   * warm-start policy, the cheapest retrain from scratch (by examples trained) whose NE is at least
   * as good; then every retrain that is better than all the warm starts, against the best warm
   * start. Empty when the run lacks one of the two families.
   */
  public List<CostMatch> costMatches() {
    List<PolicyResult> retrains = new ArrayList<>();
    List<PolicyResult> warm = new ArrayList<>();
    for (PolicyResult r : results) {
      UpdatePolicy.Kind kind = UpdatePolicy.parse(r.policy()).kind();
      if (kind == UpdatePolicy.Kind.RETRAIN) {
        retrains.add(r);
      } else if (kind != UpdatePolicy.Kind.STATIC) {
        warm.add(r);
      }
    }
    List<CostMatch> matches = new ArrayList<>();
    if (retrains.isEmpty() || warm.isEmpty()) {
      return matches;
    }
    for (PolicyResult w : warm) {
      Optional<PolicyResult> cheapest =
          retrains.stream()
              .filter(r -> ne(r) <= ne(w))
              .min(Comparator.comparingLong(PolicyResult::examplesTrained));
      matches.add(new CostMatch(w, cheapest, best(retrains), retrains.size()));
    }
    PolicyResult bestWarm = best(warm);
    for (PolicyResult r : retrains) {
      if (ne(r) < ne(bestWarm)) {
        matches.add(new CostMatch(r, Optional.empty(), bestWarm, warm.size()));
      }
    }
    return matches;
  }

  private static double ne(PolicyResult r) {
    return r.metrics().normalizedEntropy();
  }

  private static PolicyResult best(List<PolicyResult> rs) {
    return rs.stream().min(Comparator.comparingDouble(FreshnessReport::ne)).orElseThrow();
  }

  /**
   * A policy and the cheapest policy of the other family at least as good; with none, {@code best}
   * is the other family's best (which was worse).
   */
  public record CostMatch(
      PolicyResult policy, Optional<PolicyResult> match, PolicyResult best, int others) {
    /** The match's examples trained relative to the policy's (NaN without a match). */
    public double examplesRatio() {
      return match
          .map(m -> ratio(m.examplesTrained(), policy.examplesTrained()))
          .orElse(Double.NaN);
    }

    /** The match's training CPU relative to the policy's (NaN without a match). */
    public double cpuRatio() {
      return match
          .map(m -> ratio(m.trainCpuSeconds(), policy.trainCpuSeconds()))
          .orElse(Double.NaN);
    }

    private static double ratio(double a, double b) {
      return b > 0 ? a / b : Double.NaN;
    }

    private boolean retrain() {
      return UpdatePolicy.parse(policy.policy()).kind() == UpdatePolicy.Kind.RETRAIN;
    }

    /** One line of the summary. */
    public String line() {
      String head =
          String.format(
              Locale.ROOT,
              "%s (NE %s, %,d examples trained, %.1f CPU s): ",
              policy.policy(),
              neText(policy),
              policy.examplesTrained(),
              policy.trainCpuSeconds());
      if (match.isPresent()) {
        PolicyResult m = match.get();
        return head
            + String.format(
                Locale.ROOT,
                "retraining from scratch as well needs at least %s (NE %s): %s the examples"
                    + " trained, %s the training CPU",
                m.policy(),
                neText(m),
                times(examplesRatio()),
                times(cpuRatio()));
      }
      if (retrain()) {
        return head
            + String.format(
                Locale.ROOT,
                "better than every warm start; the best, %s (NE %s), trained %s the examples in"
                    + " %s the CPU",
                best.policy(),
                neText(best),
                times(ratio(best.examplesTrained(), policy.examplesTrained())),
                times(ratio(best.trainCpuSeconds(), policy.trainCpuSeconds())));
      }
      return head
          + String.format(
              Locale.ROOT,
              "none of the %d retrains reached its NE; the best, %s (NE %s), trained %s the"
                  + " examples in %s the CPU",
              others,
              best.policy(),
              neText(best),
              times(ratio(best.examplesTrained(), policy.examplesTrained())),
              times(ratio(best.trainCpuSeconds(), policy.trainCpuSeconds())));
    }
  }

  /** NE, with the range over repeats when there were several: {@code 0.0768 (0.0735–0.0788)}. */
  static String neText(PolicyResult r) {
    String ne = String.format(Locale.ROOT, "%.4f", r.metrics().normalizedEntropy());
    return r.repeats() > 1
        ? ne
            + String.format(
                Locale.ROOT,
                " (%.4f\u2013%.4f)",
                r.normalizedEntropyMin(),
                r.normalizedEntropyMax())
        : ne;
  }

  /** {@code 12x}, {@code 3.4x}, {@code 0.08x}, or {@code n/a}. */
  static String times(double ratio) {
    if (!Double.isFinite(ratio)) {
      return "n/a";
    }
    return String.format(
        Locale.ROOT, ratio >= 10 ? "%.0fx" : ratio >= 1 ? "%.1fx" : "%.2fx", ratio);
  }

  /** The cost matches as a Markdown table (empty string when there are none). */
  public String costMarkdown() {
    List<CostMatch> matches = costMatches();
    if (matches.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append(
        "| policy | NE | examples trained | train CPU s | cheapest of the other family with NE at"
            + " least as good | its NE | its examples trained | its train CPU s | examples"
            + " ratio | CPU ratio |\n");
    b.append("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
    for (CostMatch c : matches) {
      PolicyResult p = c.policy();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %,d | %.1f | ",
              p.policy(),
              neText(p),
              p.examplesTrained(),
              p.trainCpuSeconds()));
      if (c.match().isPresent()) {
        PolicyResult m = c.match().get();
        b.append(
            String.format(
                Locale.ROOT,
                "%s | %s | %,d | %.1f | %s | %s |%n",
                m.policy(),
                neText(m),
                m.examplesTrained(),
                m.trainCpuSeconds(),
                times(c.examplesRatio()),
                times(c.cpuRatio())));
      } else {
        b.append(
            String.format(
                Locale.ROOT,
                "none of %d (best: %s, NE %s) | | | | | |%n",
                c.others(),
                c.best().policy(),
                neText(c.best())));
      }
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
    List<String> cadence = cadence();
    if (!cadence.isEmpty()) {
      md.append("\n## Update cadence\n\n");
      for (String line : cadence) {
        md.append("- ").append(line).append('\n');
      }
    }
    md.append("\n![NE over stream time per policy](freshness.png)\n");
    String cost = costMarkdown();
    if (!cost.isEmpty()) {
      md.append("\n## The same NE: retraining from scratch against warm starts\n\n")
          .append(cost)
          .append("\n![NE against compute per policy](freshness-cost.png)\n");
    }
    Files.writeString(dir.resolve("freshness.md"), md.toString());
    try (CSVPrinter w =
        CsvFiles.create(
            dir.resolve("freshness.csv"),
            "policy",
            "updates",
            "examples",
            "positives",
            "ne",
            "auc",
            "log_loss",
            "accuracy",
            "calibration",
            "examples_trained",
            "train_cpu_s",
            "score_cpu_s",
            "wall_s",
            "repeats",
            "ne_min",
            "ne_max",
            "median_update_interval_h",
            "median_examples_per_update",
            "cadence_warning")) {
      Map<String, String> warnings = new LinkedHashMap<>();
      for (CadenceNote n : cadenceNotes()) {
        if (n.warning()) {
          warnings.put(n.policy(), n.text());
        }
      }
      for (PolicyResult r : results) {
        BinaryMetrics m = r.metrics();
        Long interval = r.cadence().medianIntervalMillis();
        Long examples = r.cadence().medianExamplesPerUpdate();
        w.printRecord(
            r.policy(),
            r.updates(),
            m.examples(),
            m.positives(),
            CsvFiles.decimal(m.normalizedEntropy(), 6),
            CsvFiles.decimal(m.auc(), 6),
            CsvFiles.decimal(m.logLoss(), 6),
            CsvFiles.decimal(m.accuracy(), 6),
            CsvFiles.decimal(m.calibration(), 6),
            r.examplesTrained(),
            CsvFiles.decimal(r.trainCpuSeconds(), 3),
            CsvFiles.decimal(r.scoreCpuSeconds(), 3),
            CsvFiles.decimal(r.wallSeconds(), 3),
            r.repeats(),
            CsvFiles.decimal(r.normalizedEntropyMin(), 6),
            CsvFiles.decimal(r.normalizedEntropyMax(), 6),
            interval == null ? "" : CsvFiles.decimal(interval / HOUR_MILLIS, 3),
            examples == null ? "" : examples,
            warnings.getOrDefault(r.policy(), ""));
      }
    }
    try (CSVPrinter w =
        CsvFiles.create(
            dir.resolve("freshness-slices.csv"),
            "policy",
            "slice_start",
            "examples",
            "positives",
            "ne",
            "auc",
            "log_loss")) {
      for (PolicyResult r : results) {
        for (int i = 0; i < r.slices().size(); i++) {
          BinaryMetrics m = r.slices().get(i);
          w.printRecord(
              r.policy(),
              Instant.ofEpochMilli(plan.sliceStart(i)),
              m.examples(),
              m.positives(),
              CsvFiles.decimal(m.normalizedEntropy(), 6),
              CsvFiles.decimal(m.auc(), 6),
              CsvFiles.decimal(m.logLoss(), 6));
        }
      }
    }
    writePng(dir.resolve("freshness.png"));
    if (!cost.isEmpty()) {
      writeCostPng(dir.resolve("freshness-cost.png"));
    }
  }

  /** NE against examples trained (log scale), one marker per policy, by family. */
  private void writeCostPng(Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(1200)
            .height(700)
            .title("What each policy's NE cost (lower left is better)")
            .xAxisTitle("examples trained after the initial model (examples x passes, log scale)")
            .yAxisTitle("prequential normalized entropy")
            .build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setMarkerSize(10);
    chart.getStyler().setYAxisDecimalPattern("0.000");
    Map<String, List<PolicyResult>> families = new LinkedHashMap<>();
    for (PolicyResult r : results) {
      UpdatePolicy.Kind kind = UpdatePolicy.parse(r.policy()).kind();
      if (kind != UpdatePolicy.Kind.STATIC && r.examplesTrained() > 0) {
        families
            .computeIfAbsent(
                kind == UpdatePolicy.Kind.RETRAIN ? "retrain from scratch" : "warm starts",
                k -> new ArrayList<>())
            .add(r);
      }
    }
    // Room on the right of the log axis for the costliest policy's name.
    families.values().stream()
        .flatMap(List::stream)
        .mapToLong(PolicyResult::examplesTrained)
        .max()
        .ifPresent(most -> chart.getStyler().setXAxisMax(most * 4.0));
    families.forEach(
        (family, rs) -> {
          chart.addSeries(
              family,
              rs.stream().map(r -> (double) r.examplesTrained()).toList(),
              rs.stream().map(r -> r.metrics().normalizedEntropy()).toList());
          for (PolicyResult r : rs) {
            chart.addAnnotation(
                new AnnotationText(
                    r.policy(), r.examplesTrained(), r.metrics().normalizedEntropy(), false));
          }
        });
    result("static")
        .ifPresent(
            s -> {
              AnnotationLine line =
                  new AnnotationLine(s.metrics().normalizedEntropy(), false, false);
              chart.addAnnotation(line);
            });
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
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
        // What ran, next to the name: "hourly, every 9.8d".
        Long interval = r.cadence().medianIntervalMillis();
        chart.addSeries(
            interval == null ? r.policy() : r.policy() + ", every " + r.cadence().intervalText(),
            x,
            y);
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
