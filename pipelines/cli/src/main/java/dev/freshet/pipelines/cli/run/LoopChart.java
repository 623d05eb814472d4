package dev.freshet.pipelines.cli.run;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import dev.freshet.pipelines.cli.CsvFiles;
import dev.freshet.pipelines.cli.run.LoopReport.Decision;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.csv.CSVPrinter;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Online quality over stream time: the loop's served predictions against the static model (the
 * first version scoring the same logged feature vectors), per equal slice of stream time, as a CSV
 * table and a PNG chart with the drift onset, promotions and roll-backs marked.
 */
final class LoopChart {
  /** One labelled prediction: what the loop served and what the static model would have. */
  record Scored(long eventTimeMillis, float served, float staticScore, boolean label) {}

  /** The predictions of one slice of stream time. */
  record Slice(long startMillis, long endMillis, BinaryMetrics served, BinaryMetrics staticModel) {
    double daysFrom(long originMillis) {
      return ((startMillis + endMillis) / 2.0 - originMillis) / DAY_MILLIS;
    }
  }

  private static final double DAY_MILLIS = 86_400_000.0;

  private LoopChart() {}

  /** {@code scored} cut into {@code n} equal slices of stream time (empty ones are left out). */
  static List<Slice> slices(List<Scored> scored, int n) {
    long from = scored.stream().mapToLong(Scored::eventTimeMillis).min().orElse(0);
    long to = scored.stream().mapToLong(Scored::eventTimeMillis).max().orElse(0) + 1;
    double width = (to - from) / (double) n;
    List<BinaryMetricsAccumulator> served = new ArrayList<>();
    List<BinaryMetricsAccumulator> fixed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      served.add(BinaryMetricsAccumulator.create());
      fixed.add(BinaryMetricsAccumulator.create());
    }
    for (Scored s : scored) {
      int i = Math.min(n - 1, (int) ((s.eventTimeMillis() - from) / width));
      served.get(i).add(s.served(), s.label());
      fixed.get(i).add(s.staticScore(), s.label());
    }
    List<Slice> slices = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      BinaryMetrics m = served.get(i).result();
      if (m.examples() > 0) {
        slices.add(
            new Slice(
                from + Math.round(i * width),
                from + Math.round((i + 1) * width),
                m,
                fixed.get(i).result()));
      }
    }
    return slices;
  }

  /** Quality of the predictions with event time in {@code [from, to)}. */
  static BinaryMetrics[] between(List<Scored> scored, long from, long to) {
    BinaryMetricsAccumulator served = BinaryMetricsAccumulator.create();
    BinaryMetricsAccumulator fixed = BinaryMetricsAccumulator.create();
    for (Scored s : scored) {
      if (s.eventTimeMillis() >= from && s.eventTimeMillis() < to) {
        served.add(s.served(), s.label());
        fixed.add(s.staticScore(), s.label());
      }
    }
    return new BinaryMetrics[] {served.result(), fixed.result()};
  }

  static void writeCsv(Path csv, List<Slice> slices) throws IOException {
    try (CSVPrinter w =
        CsvFiles.create(
            csv,
            "slice_start",
            "slice_end",
            "examples",
            "positives",
            "served_ne",
            "static_ne",
            "served_auc",
            "static_auc")) {
      for (Slice s : slices) {
        w.printRecord(
            Instant.ofEpochMilli(s.startMillis()),
            Instant.ofEpochMilli(s.endMillis()),
            s.served().examples(),
            s.served().positives(),
            CsvFiles.decimal(s.served().normalizedEntropy(), 5),
            CsvFiles.decimal(s.staticModel().normalizedEntropy(), 5),
            CsvFiles.decimal(s.served().auc(), 5),
            CsvFiles.decimal(s.staticModel().auc(), 5));
      }
    }
  }

  /**
   * The chart: online NE of the served predictions and of the static model per slice, stream time
   * in days on the x axis, vertical lines at the drift onset and at each change of production.
   */
  static void writePng(
      Path png,
      List<Slice> slices,
      long originMillis,
      Long driftOnsetMillis,
      List<Decision> decisions,
      String staticName,
      Function<String, String> names)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart =
        new XYChartBuilder()
            .width(1200)
            .height(600)
            .title("Online NE over stream time (lower is better; labels as they became known)")
            .xAxisTitle("stream time, days since " + Instant.ofEpochMilli(originMillis))
            .yAxisTitle("normalized entropy")
            .build();
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    chart.getStyler().setMarkerSize(5);
    chart.getStyler().setXAxisDecimalPattern("0.#");
    chart.getStyler().setYAxisDecimalPattern("0.00");
    double[] x = slices.stream().mapToDouble(s -> s.daysFrom(originMillis)).toArray();
    XYSeries served =
        chart.addSeries(
            "served by the loop",
            x,
            slices.stream().mapToDouble(s -> s.served().normalizedEntropy()).toArray());
    served.setMarker(SeriesMarkers.CIRCLE).setLineColor(new Color(0x1f77b4));
    XYSeries fixed =
        chart.addSeries(
            "static model " + staticName,
            x,
            slices.stream().mapToDouble(s -> s.staticModel().normalizedEntropy()).toArray());
    fixed.setMarker(SeriesMarkers.SQUARE).setLineColor(new Color(0xd62728));
    double top =
        slices.stream()
            .mapToDouble(
                s -> Math.max(s.served().normalizedEntropy(), s.staticModel().normalizedEntropy()))
            .filter(Double::isFinite)
            .max()
            .orElse(1);
    if (driftOnsetMillis != null) {
      mark(chart, (driftOnsetMillis - originMillis) / DAY_MILLIS, top, "new fraud pattern");
    }
    for (Decision d : decisions) {
      if (d.changedProduction()) {
        // Labels arrive late: the decision is placed where the stream was when it was announced.
        mark(
            chart,
            (d.streamMillis() - originMillis) / DAY_MILLIS,
            top * 0.93,
            names.apply(d.version())
                + (d.type() == ModelEvent.Type.PROMOTED ? " promoted" : " rolled back"));
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void mark(XYChart chart, double days, double y, String label) {
    chart.addAnnotation(new AnnotationLine(days, true, false));
    chart.addAnnotation(new AnnotationText(label, days, y, false));
    chart.getStyler().setAnnotationLineColor(Color.GRAY);
    chart.getStyler().setAnnotationLineStroke(new BasicStroke(1f));
  }
}
