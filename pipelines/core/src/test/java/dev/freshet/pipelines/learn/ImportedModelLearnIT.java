package dev.freshet.pipelines.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.evaluation.OfflineGate;
import dev.freshet.model.evaluation.OnlinePromoter;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.examples.Example;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.NetworkImport;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Fine-tuning an imported model: production is the PyTorch-made MLP of testdata/byom (TorchScript,
 * trained on the committed fraud sample); the stream is a generated fraud stream of another rate
 * whose drift brings a fraud pattern the model never saw. The learner trains a copy of the module
 * with DJL, the offline gate registers candidates that save the updated module, and the online
 * rule, fed both versions' scores on the later traffic with its outcomes, promotes one.
 */
public class ImportedModelLearnIT {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  @Test
  public void aFineTunedCopyOfAnImportedModelBeatsItOnADriftingStreamAndIsPromoted()
      throws Exception {
    Path data = TMP.newFolder("fraud").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(5).events(6000).eventsPerSecond(0.005).build(),
        data,
        GenerateFraud.Format.jsonl,
        QUIET);
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(
                "--events=" + data.resolve("events.jsonl"),
                "--outcomes=" + data.resolve("outcomes.jsonl"))
            .withValidation()
            .as(TrainOptions.class);
    FeatureSpec spec = dev.freshet.pipelines.features.Specs.load(options);
    List<Example> all =
        new ArrayList<>(
            TrainJob.computeExamples(options, spec, TMP.newFolder("examples").toPath()));
    all.sort(Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::id));
    int smokeFrom = all.size() * 4 / 5;
    int liveFrom = all.size() * 3 / 5;
    List<Example> learnOn = all.subList(0, liveFrom);
    List<Example> live = all.subList(liveFrom, smokeFrom);
    List<Example> smoke = all.subList(smokeFrom, all.size());

    String registryPath = TMP.newFolder("registry").toString();
    ModelRegistry registry = ModelRegistry.at(registryPath);
    FeatureLayout layout = FeatureLayouts.of(spec);
    Path pt = TestDataFiles.root().resolve("byom").resolve("mlp.pt");
    String imported;
    try (BinaryClassifier model =
        NetworkImport.of(layout, spec.name(), ModelConfig.builder().build())
            .load(
                NetworkFormat.TORCHSCRIPT,
                OutputKind.LOGIT,
                "mlp.pt",
                Files.readAllBytes(pt),
                null,
                Example.features(learnOn.subList(0, 500)))) {
      imported =
          registry.register(Candidate.of(model, new DataRange(Instant.EPOCH, Instant.EPOCH, 0)));
    }
    registry.promote(imported, "imported");
    SmokeTestSet.write(registryPath, spec, smoke);

    CandidateLearner.Settings settings =
        new CandidateLearner.Settings(2, 3, 0.01, 5000, new OfflineGate(0.05, 2));
    List<ModelEvent> decisions = new ArrayList<>();
    try (CandidateLearner learner =
        CandidateLearner.start(
            registry, spec.fingerprint(), settings, SmokeTestSet.read(registryPath, spec))) {
      for (int i = 0; i + 500 <= learnOn.size(); i += 500) {
        List<Example> batch = new ArrayList<>();
        for (Example e : learnOn.subList(i, i + 500)) {
          batch.add(
              new Example(
                  e.id(), e.eventTimeMillis(), e.eventTimeMillis(), e.label(), e.features()));
        }
        learner.learn(batch).decision().ifPresent(decisions::add);
      }
    }
    System.out.println("learner decisions:");
    decisions.forEach(d -> System.out.println("  " + d.toJson()));
    Optional<String> challenger = registry.challenger();
    assertThat(challenger).as("a registered candidate: %s", decisions).isPresent();
    ModelManifest candidate = registry.describe(challenger.get()).manifest();
    // The candidate is the user's module, fine-tuned and saved as TorchScript.
    assertThat(candidate.network()).isEqualTo("torchscript");
    assertThat(candidate.parametersFile()).isEqualTo("model.pt");
    assertThat(candidate.external().sourceSha256())
        .isEqualTo(registry.describe(imported).manifest().external().sourceSha256());
    assertThat(candidate.parametersSha256())
        .isNotEqualTo(registry.describe(imported).manifest().parametersSha256());
    double candidateNe = candidate.metrics().get("smoke_normalizedEntropy");
    double importedNe = candidate.metrics().get("smoke_production_normalizedEntropy");
    System.out.printf(
        "smoke test (latest fifth of the stream): imported NE %.4f, candidate %s NE %.4f%n",
        importedNe, challenger.get(), candidateNe);
    assertThat(candidateNe).isLessThan(importedNe);

    // Online: both versions score the live traffic after the learner's data; the promotion rule
    // the learn pipeline applies judges them on the outcomes.
    OnlinePromoter promoter = new OnlinePromoter(new OnlinePromoter.Rule(500, 5, 0.05, 1));
    for (String version : List.of(imported, challenger.get())) {
      try (LoadedModel loaded = registry.load(version, spec.fingerprint());
          Scorer scorer = loaded.classifier().newScorer()) {
        float[] scores = scorer.score(Example.features(live));
        for (int i = 0; i < scores.length; i++) {
          promoter.observe(version, scores[i], live.get(i).positive());
        }
      }
    }
    OnlinePromoter.Look look = promoter.judgeChallenger(imported, challenger.get());
    System.out.printf(
        "online on %d live examples: imported log loss %.4f, candidate %.4f, z %.2f (threshold"
            + " %.2f): %s%n",
        live.size(),
        promoter.stats(imported).meanLogLoss(),
        promoter.stats(challenger.get()).meanLogLoss(),
        look.z(),
        look.threshold(),
        look.verdict());
    assertThat(look.verdict()).isEqualTo(OnlinePromoter.Verdict.PROMOTE);
    registry.promote(challenger.get(), "online: z " + look.z());
    assertThat(registry.production()).contains(challenger.get());
    try (LoadedModel promoted = registry.load(challenger.get(), spec.fingerprint())) {
      assertThat(promoted.classifier().external()).isPresent();
    }
  }

  @Test
  public void learnRefusesAtStartAnOnnxOrFrozenProductionVersion() throws Exception {
    FeatureSpec spec =
        dev.freshet.transforms.features.FeatureSpecs.load(
            dev.freshet.pipelines.Domain.FRAUD.defaultSpec());
    FeatureLayout layout = FeatureLayouts.of(spec);
    Path byom = TestDataFiles.root().resolve("byom");
    float[][] vectors = new float[4][layout.size()];
    for (String[] file :
        new String[][] {{"mlp.onnx", "scoring-only"}, {"mlp-frozen.pt", "no parameters"}}) {
      String registryPath = TMP.newFolder().toString();
      ModelRegistry registry = ModelRegistry.at(registryPath);
      NetworkFormat format =
          file[0].endsWith(".onnx") ? NetworkFormat.ONNX : NetworkFormat.TORCHSCRIPT;
      try (BinaryClassifier model =
          NetworkImport.of(layout, spec.name(), ModelConfig.builder().build())
              .load(
                  format,
                  OutputKind.LOGIT,
                  file[0],
                  Files.readAllBytes(byom.resolve(file[0])),
                  null,
                  vectors)) {
        registry.promote(
            registry.register(Candidate.of(model, new DataRange(Instant.EPOCH, Instant.EPOCH, 0))));
      }
      assertThatThrownBy(() -> LearnJob.requireLearnableRegistry(registryPath, spec))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot be fine-tuned")
          .hasMessageContaining(file[1]);
    }
  }
}
