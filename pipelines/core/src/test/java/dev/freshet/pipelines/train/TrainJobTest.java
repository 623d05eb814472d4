package dev.freshet.pipelines.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.DomainData;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.drift.DriftReference;
import dev.freshet.transforms.drift.FeatureBins;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.testing.Runners;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The bounded training pipeline on both domains: the model beats the base rate on the later,
 * held-out part (NE below 1) and beats a model trained without the windowed features; the same on
 * the Flink runner; the registry keeps versions and promotes only an improvement.
 */
public class TrainJobTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static Path fraud;

  @BeforeClass
  public static void generateFraud() throws Exception {
    fraud = TMP.newFolder("fraud").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(11).events(5000).eventsPerSecond(0.1).build(),
        fraud,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
  }

  /** The domain's spec with only the event's own features (no windows, no outcome rates). */
  private static String withoutWindows(Domain domain) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(domain.defaultSpec()));
    Path spec = TMP.newFile(domain.name() + "-no-windows.yaml").toPath();
    Files.write(
        spec,
        lines.stream()
            .filter(l -> !(l.trim().startsWith("- {") && l.contains("key:")))
            .collect(Collectors.toList()));
    return spec.toString();
  }

  private static TrainAndRegister.Outcome train(String runner, String registry, String... args)
      throws Exception {
    String[] all = new String[args.length + 3];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--registry=" + registry;
    all[args.length + 1] =
        "--runner=" + (Runners.FLINK.equals(runner) ? "FlinkRunner" : "DirectRunner");
    all[args.length + 2] = "--epochs=10";
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(all).withValidation().as(TrainOptions.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrainAndRegister.Outcome outcome =
        TrainJob.train(options, new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("epoch 10/10")
        .contains("holdout: NE");
    return outcome;
  }

  private static String[] fraudData() {
    return new String[] {
      "--events=" + fraud.resolve("events.jsonl"), "--outcomes=" + fraud.resolve("outcomes.jsonl")
    };
  }

  @Test
  public void fraudModelBeatsTheBaseRateAndAModelWithoutWindows() throws Exception {
    String registry = TMP.newFolder("fraud-registry").toString();
    TrainAndRegister.Outcome full = train(Runners.DIRECT, registry, fraudData());
    String[] noWindowArgs = append(fraudData(), "--spec=" + withoutWindows(Domain.FRAUD));
    TrainAndRegister.Outcome plain =
        train(Runners.DIRECT, TMP.newFolder("plain").toString(), noWindowArgs);

    assertThat(full.holdout().normalizedEntropy()).isLessThan(0.8);
    assertThat(full.holdout().positives()).isGreaterThan(20);
    // Windowed, point-in-time features are what makes fraud visible.
    assertThat(full.holdout().normalizedEntropy())
        .isLessThan(plain.holdout().normalizedEntropy() - 0.1);
    assertThat(full.holdout().auc()).isGreaterThan(plain.holdout().auc());

    ModelRegistry r = ModelRegistry.at(registry);
    assertThat(full.promoted()).isTrue();
    assertThat(r.production()).contains(full.versionId());
    assertThat(Files.list(Path.of(registry, "smoke-test")).count()).isEqualTo(1);
    // The drift reference: every feature of the spec, measured on the vectors trained on.
    ModelManifest manifest = r.describe(full.versionId()).manifest();
    DriftReference reference = manifest.drift().orElseThrow();
    assertThat(reference.featureNames())
        .containsExactlyElementsOf(FeatureSpecs.load(Domain.FRAUD.defaultSpec()).featureNames());
    assertThat(reference.examples()).isEqualTo(manifest.dataRange().exampleCount());
    FeatureBins amount = reference.features().get(reference.featureNames().indexOf("amount"));
    assertThat(amount.edges()).hasSize(DriftReference.DEFAULT_BINS - 1);
    assertThat(amount.proportions()[0]).isCloseTo(0.1, within(0.01));

    // The same data and seed again: not better than production, so it stays a candidate.
    TrainAndRegister.Outcome again = train(Runners.DIRECT, registry, fraudData());
    assertThat(again.promoted()).isFalse();
    assertThat(r.production()).contains(full.versionId());
    assertThat(r.list()).hasSize(2);
    assertThat(r.describe(again.versionId()).manifest().parentVersion())
        .isEqualTo(full.versionId());
  }

  @Test
  public void flightsModelBeatsTheBaseRateAndAModelWithoutWindows() throws Exception {
    DomainData.Slice slice = DomainData.flights(TMP.newFolder("flights").toPath(), 5, 22);
    String[] data = {"--domain=FLIGHTS", "--events=" + slice.events()};
    TrainAndRegister.Outcome full =
        train(Runners.DIRECT, TMP.newFolder("flights-registry").toString(), data);
    TrainAndRegister.Outcome plain =
        train(
            Runners.DIRECT,
            TMP.newFolder("flights-plain").toString(),
            append(data, "--spec=" + withoutWindows(Domain.FLIGHTS)));
    assertThat(full.holdout().normalizedEntropy()).isLessThan(1.0);
    assertThat(full.holdout().normalizedEntropy()).isLessThan(plain.holdout().normalizedEntropy());
  }

  @Test
  public void bothDomainsTrainTheSameWayOnFlink() throws Exception {
    TrainAndRegister.Outcome fraudOnFlink =
        train(Runners.FLINK, TMP.newFolder("flink-registry").toString(), fraudData());
    assertThat(fraudOnFlink.holdout().normalizedEntropy()).isLessThan(0.8);
    assertThat(fraudOnFlink.promoted()).isTrue();

    DomainData.Slice slice = DomainData.flights(TMP.newFolder("flink-flights").toPath(), 5, 22);
    TrainAndRegister.Outcome flightsOnFlink =
        train(
            Runners.FLINK,
            TMP.newFolder("flink-flights-registry").toString(),
            "--domain=FLIGHTS",
            "--events=" + slice.events());
    assertThat(flightsOnFlink.holdout().normalizedEntropy()).isLessThan(1.0);
  }

  @Test
  public void aBadHoldoutFractionFailsNamingTheOption() {
    assertThatThrownBy(
            () ->
                train(
                    Runners.DIRECT,
                    TMP.newFolder("bad").toString(),
                    append(fraudData(), "--holdoutFraction=1.5")))
        .hasMessageContaining("--holdoutFraction");
  }

  private static String[] append(String[] args, String extra) {
    String[] out = java.util.Arrays.copyOf(args, args.length + 1);
    out[args.length] = extra;
    return out;
  }
}
