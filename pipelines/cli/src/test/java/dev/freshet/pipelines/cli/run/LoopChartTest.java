package dev.freshet.pipelines.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The run's online-NE table reads back as numbers whatever the JVM's locale. */
public class LoopChartTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theCsvHasDecimalPointsUnderACommaDecimalLocale() throws Exception {
    Random r = new Random(3);
    List<LoopChart.Scored> scored = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      boolean label = r.nextDouble() < 0.2;
      float served =
          (float) Math.min(0.99, Math.max(0.01, (label ? 0.7 : 0.2) + r.nextGaussian() * 0.1));
      scored.add(new LoopChart.Scored(i * 60_000L, served, 0.2f, label));
    }
    Path csv = tmp.getRoot().toPath().resolve("online-ne.csv");
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      LoopChart.writeCsv(csv, LoopChart.slices(scored, 3));
    } finally {
      Locale.setDefault(before);
    }
    try (Reader in = Files.newBufferedReader(csv);
        CSVParser parser =
            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
      List<CSVRecord> rows = parser.getRecords();
      assertThat(rows).hasSize(3);
      for (CSVRecord row : rows) {
        assertThat(row.size()).isEqualTo(8);
        assertThat(row.get("served_ne")).matches("\\d+\\.\\d{5}");
        assertThat(Double.parseDouble(row.get("served_ne"))).isBetween(0.0, 1.5);
        assertThat(Double.parseDouble(row.get("static_auc"))).isBetween(0.0, 1.0);
      }
    }
  }
}
