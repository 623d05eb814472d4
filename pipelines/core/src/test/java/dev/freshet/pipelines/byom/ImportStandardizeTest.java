package dev.freshet.pipelines.byom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.external.ByomFixtures;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.NetworkImport;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.ImportJob;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code freshet models import --standardize}: the version records the numeric columns' mean,
 * standard deviation and range over the earlier part of {@code --events} (the fixture's first 1,000
 * payments, of which the latest 20% are the holdout), and the registry's model (what serve loads
 * and scores with) standardises and clips raw vectors with them before the network: its scores are
 * those of the same network, imported without standardisation, on vectors standardised here from
 * statistics computed here.
 */
public class ImportStandardizeTest {
  /** Standard deviations at which Freshet's encoder clips a standardised value in any case. */
  private static final double CLIP = 50;

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void importedWithStandardizeTheStatisticsOfTheEventsAreRecordedAndApplied()
      throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    FeatureLayout layout = FeatureLayouts.of(spec);
    ByomFixtures byom = ByomFixtures.load();
    Path events = tmp.getRoot().toPath().resolve("events.jsonl");
    List<String> fixtureEvents = new ArrayList<>();
    for (String line : Files.readAllLines(TestDataFiles.fraudSampleEvents())) {
      if (byom.vectors.containsKey(ByomKafka.eventId(line))) {
        fixtureEvents.add(line);
      }
    }
    Files.write(events, fixtureEvents);
    String registryPath = tmp.newFolder("registry").toString();
    ImportJob.Outcome imported =
        ImportJob.importModel(
            ImportJob.parse(
                "--torchscript=" + byom.dir.resolve("mlp.pt"),
                "--standardize",
                "--events=" + events,
                "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
                "--registry=" + registryPath),
            QUIET);
    ModelRegistry registry = ModelRegistry.at(registryPath);
    ModelManifest manifest = registry.describe(imported.versionId()).manifest();
    assertThat(manifest.external().standardized()).isTrue();

    // The statistics of the earlier 80% of the payments (vectors.csv is in event-time order).
    float[][] rows = byom.rows();
    int earlier = Math.round(rows.length * 0.8f);
    int[] numeric = layout.numericIndices();
    double[] mean = new double[numeric.length];
    double[] std = new double[numeric.length];
    double[] min = new double[numeric.length];
    double[] max = new double[numeric.length];
    for (int j = 0; j < numeric.length; j++) {
      double sum = 0;
      double sumSq = 0;
      min[j] = Double.POSITIVE_INFINITY;
      max[j] = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < earlier; i++) {
        double x = rows[i][numeric[j]];
        sum += x;
        sumSq += x * x;
        min[j] = Math.min(min[j], x);
        max[j] = Math.max(max[j], x);
      }
      mean[j] = sum / earlier;
      std[j] = Math.sqrt(Math.max(0, sumSq / earlier - mean[j] * mean[j]));
    }
    NormalizationStats recorded = manifest.normalization();
    for (int j = 0; j < numeric.length; j++) {
      String column = layout.columns().get(numeric[j]).name();
      assertThat(recorded.mean()[j])
          .as("mean of %s", column)
          .isCloseTo(mean[j], within(tol(j, mean)));
      assertThat(recorded.min()[j]).as("min of %s", column).isEqualTo(min[j]);
      assertThat(recorded.max()[j]).as("max of %s", column).isEqualTo(max[j]);
      if (std[j] > 1e-6) {
        assertThat(recorded.std()[j])
            .as("std of %s", column)
            .isCloseTo(std[j], within(1e-3 * std[j]));
      }
    }

    // The raw vectors standardised and clipped here, for the network imported without statistics.
    float[][] standardised = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      standardised[i] = rows[i].clone();
      for (int j = 0; j < numeric.length; j++) {
        double s = Math.max(recorded.std()[j], 1e-6);
        double lo = Math.max(-CLIP, (min[j] - mean[j]) / s);
        double hi = Math.min(CLIP, (max[j] - mean[j]) / s);
        double z = (rows[i][numeric[j]] - mean[j]) / s;
        standardised[i][numeric[j]] = (float) Math.max(lo, Math.min(hi, z));
      }
    }
    float[] expected;
    try (BinaryClassifier raw =
            NetworkImport.of(layout, spec.name(), ModelConfig.builder().build())
                .load(
                    NetworkFormat.TORCHSCRIPT,
                    OutputKind.LOGIT,
                    "mlp.pt",
                    byom.bytes("mlp.pt"),
                    null,
                    rows);
        Scorer scorer = raw.newScorer()) {
      expected = scorer.score(standardised);
    }
    float[] served;
    try (LoadedModel loaded = registry.load(imported.versionId(), spec.fingerprint());
        Scorer scorer = loaded.classifier().newScorer()) {
      served = scorer.score(rows);
    }
    double maxError = 0;
    int changed = 0;
    double[] pytorchRaw = byom.expected("mlp");
    for (int i = 0; i < rows.length; i++) {
      maxError = Math.max(maxError, Math.abs(served[i] - expected[i]));
      if (Math.abs(served[i] - 1 / (1 + Math.exp(-pytorchRaw[i]))) > 1e-3) {
        changed++;
      }
    }
    System.out.printf(
        "--standardize: max |served - network on vectors standardised here| = %.3g; %d of %d"
            + " scores differ from the raw vectors' by more than 1e-3%n",
        maxError, changed, rows.length);
    assertThat(maxError).isLessThan(1e-5);
    // Standardisation changed what the network saw: most scores moved from the raw vectors' ones.
    assertThat(changed).isGreaterThan(rows.length / 2);
  }

  private static double tol(int j, double[] mean) {
    return 1e-6 * Math.max(1, Math.abs(mean[j]));
  }
}
