package dev.freshet.model.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.model.training.ContinualTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Imports the PyTorch-made fixtures (testdata/byom) and checks Freshet scores them as PyTorch does,
 * stores them, refuses what does not fit, and fine-tunes the TorchScript one.
 */
public class NetworkImportTest {
  /** Largest |Java - PyTorch| accepted on a probability (the bound). */
  static final double TOLERANCE = 1e-5;

  private static ByomFixtures fixtures;
  private static FeatureLayout layout;
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void loadFixtures() {
    fixtures = ByomFixtures.load();
    layout = fixtures.layout("fraud-test");
  }

  private static BinaryClassifier importFixture(String model, NetworkFormat format) {
    String file = model + (format == NetworkFormat.ONNX ? ".onnx" : ".pt");
    OutputKind output =
        fixtures.metadata.get("models").get(model).get("output").asText().equals("logit")
            ? OutputKind.LOGIT
            : OutputKind.PROBABILITY;
    return NetworkImport.of(layout, "fraud", ModelConfig.builder().build())
        .load(format, output, file, fixtures.bytes(file), null, fixtures.rows());
  }

  /** Largest |scored - expected probability| over the fixture vectors. */
  private static double maxProbabilityError(BinaryClassifier model, String name) {
    double[] expected = fixtures.expected(name);
    float[] scored;
    try (Scorer scorer = model.newScorer()) {
      scored = scorer.score(fixtures.rows());
    }
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      double p = name.equals("mlp") ? 1 / (1 + Math.exp(-expected[i])) : expected[i];
      max = Math.max(max, Math.abs(scored[i] - p));
    }
    return max;
  }

  @Test
  public void torchScriptAndOnnxScoreAsPyTorchDoes() {
    for (NetworkFormat format : NetworkFormat.values()) {
      for (String name : new String[] {"mlp", "cross"}) {
        try (BinaryClassifier model = importFixture(name, format)) {
          double error = maxProbabilityError(model, name);
          System.out.printf("%s %s: max |Java - PyTorch| probability %.3g%n", format, name, error);
          assertThat(error).as("%s %s", format, name).isLessThan(TOLERANCE);
        }
      }
    }
    // The logit itself, not only the probability (sigmoid flattens large logits).
    try (BinaryClassifier mlp = importFixture("mlp", NetworkFormat.TORCHSCRIPT)) {
      double[] logits = ClassifierTrainer.logits(mlp, fixtures.rows());
      double[] expected = fixtures.expected("mlp");
      double max = 0;
      for (int i = 0; i < logits.length; i++) {
        max = Math.max(max, Math.abs(logits[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
      }
      System.out.printf("TORCHSCRIPT mlp: max relative |Java - PyTorch| logit %.3g%n", max);
      assertThat(max).isLessThan(TOLERANCE);
    }
  }

  @Test
  public void refusesANetworkOfAnotherWidthNamingTheExpectedOne() {
    // The spec grew a column the network was not made for: width 20 instead of 19.
    FeatureLayout.Builder builder = FeatureLayout.builder("wider");
    layout.columns().forEach(c -> builder.numeric(c.name()));
    FeatureLayout wider = builder.numeric("extra").build();
    float[][] rows = new float[2][wider.size()];
    NetworkImport narrow = NetworkImport.of(wider, "wider-spec", ModelConfig.builder().build());
    for (NetworkFormat format : NetworkFormat.values()) {
      String file = format == NetworkFormat.ONNX ? "mlp.onnx" : "mlp.pt";
      assertThatThrownBy(
              () -> narrow.load(format, OutputKind.LOGIT, file, fixtures.bytes(file), null, rows))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[batch, 20]")
          .hasMessageContaining("'wider-spec'");
    }
    // A logit network imported as a probability one is refused on its values.
    assertThatThrownBy(
            () ->
                NetworkImport.of(layout, "fraud", ModelConfig.builder().build())
                    .load(
                        NetworkFormat.TORCHSCRIPT,
                        OutputKind.PROBABILITY,
                        "mlp.pt",
                        fixtures.bytes("mlp.pt"),
                        null,
                        fixtures.rows()))
        .hasMessageContaining("not a probability");
  }

  @Test
  public void registryStoresTheNetworkFileAndRefusesACorruptOne() throws Exception {
    ModelRegistry registry = ModelRegistry.at(tmp.getRoot().getPath());
    String id;
    try (BinaryClassifier model = importFixture("cross", NetworkFormat.TORCHSCRIPT)) {
      id =
          registry.register(
              Candidate.of(model, new DataRange(Instant.EPOCH, Instant.EPOCH.plusSeconds(1), 0)));
    }
    var manifest = registry.describe(id).manifest();
    assertThat(manifest.network()).isEqualTo("torchscript");
    assertThat(manifest.parametersFile()).isEqualTo("model.pt");
    assertThat(manifest.external().sourceSha256())
        .isEqualTo(fixtures.metadata.get("models").get("cross").get("torchscriptSha256").asText());
    assertThat(manifest.external().standardized()).isFalse();
    try (LoadedModel loaded = registry.load(id, "fraud-test")) {
      assertThat(maxProbabilityError(loaded.classifier(), "cross")).isLessThan(TOLERANCE);
    }
    Path file = tmp.getRoot().toPath().resolve("versions").resolve(id).resolve("model.pt");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);
    assertThatThrownBy(() -> registry.load(id, "fraud-test"))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageContaining("SHA-256");
  }

  @Test
  public void fineTunesATorchScriptCopyAndSavesTheUpdatedModule() throws Exception {
    float[][] rows = fixtures.rows();
    float[] labels = new float[rows.length];
    // The opposite of what the module predicts: any training moves its outputs.
    double[] before = fixtures.expected("mlp");
    for (int i = 0; i < labels.length; i++) {
      labels[i] = before[i] < 0 ? 1f : 0f;
    }
    ModelConfig config = ModelConfig.builder().epochs(1).batchSize(100).learningRate(1e-2f).build();
    try (BinaryClassifier mlp = importFixture("mlp", NetworkFormat.TORCHSCRIPT);
        ContinualTraining learner = ClassifierTrainer.of(config).continual(mlp, 0)) {
      learner.update(rows, labels);
      learner.update(rows, labels);
      double[] tuned = ClassifierTrainer.logits(learner.model(), rows);
      double moved = 0;
      for (int i = 0; i < tuned.length; i++) {
        moved = Math.max(moved, Math.abs(tuned[i] - before[i]));
      }
      assertThat(moved).as("largest change of a logit").isGreaterThan(0.1);
      // The parent is untouched.
      assertThat(maxProbabilityError(mlp, "mlp")).isLessThan(TOLERANCE);

      ModelRegistry registry = ModelRegistry.at(tmp.getRoot().getPath());
      String id;
      try (BinaryClassifier snapshot = learner.snapshot()) {
        id =
            registry.register(
                Candidate.of(snapshot, new DataRange(Instant.EPOCH, Instant.EPOCH, rows.length)));
      }
      try (LoadedModel loaded = registry.load(id, "fraud-test")) {
        assertThat(loaded.manifest().network()).isEqualTo("torchscript");
        double[] reloaded = ClassifierTrainer.logits(loaded.classifier(), rows);
        for (int i = 0; i < rows.length; i++) {
          assertThat(reloaded[i]).isCloseTo(tuned[i], org.assertj.core.data.Offset.offset(1e-5));
        }
      }
    }
  }

  @Test
  public void refusesToTrainOnnxOrAFrozenModule() {
    ClassifierTrainer trainer = ClassifierTrainer.of(ModelConfig.builder().build());
    try (BinaryClassifier onnx = importFixture("mlp", NetworkFormat.ONNX)) {
      assertThatThrownBy(() -> trainer.continual(onnx))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("scoring-only");
    }
    try (BinaryClassifier frozen =
        NetworkImport.of(layout, "fraud", ModelConfig.builder().build())
            .load(
                NetworkFormat.TORCHSCRIPT,
                OutputKind.LOGIT,
                "mlp-frozen.pt",
                fixtures.bytes("mlp-frozen.pt"),
                null,
                fixtures.rows())) {
      // Served as is ...
      assertThat(maxProbabilityError(frozen, "mlp")).isLessThan(TOLERANCE);
      // ... but not trained.
      assertThatThrownBy(() -> trainer.continual(frozen))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no parameters");
    }
    assertThat(Arrays.asList(NetworkFormat.values())).hasSize(2);
  }
}
