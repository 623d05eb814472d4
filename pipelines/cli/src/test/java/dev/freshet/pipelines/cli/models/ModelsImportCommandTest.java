package dev.freshet.pipelines.cli.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.cli.FreshetCommandLine;
import dev.freshet.testdata.TestDataFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code freshet models import} through the command line's entry point, on the PyTorch-made
 * fixtures of testdata/byom: an import registers and promotes the network and says so, {@code
 * models list} and {@code describe} show it; a model of another width and a mistyped option are
 * refused with exit status 2 and a message naming what to fix.
 */
public class ModelsImportCommandTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path byom;
  private static Path events;

  @BeforeClass
  public static void fewerEvents() throws Exception {
    byom = TestDataFiles.root().resolve("byom");
    // The first 1,000 payments of the sample (the fixture's vectors): enough to check the model.
    events = TMP.getRoot().toPath().resolve("events.jsonl");
    Files.write(events, Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 1000));
  }

  @Test
  public void importsATorchScriptModelAndListAndDescribeShowIt() throws Exception {
    String registry = TMP.newFolder("registry").toString();
    FreshetCommandLine.Result imported =
        FreshetCommandLine.execute(
            "models",
            "import",
            "--torchscript=" + byom.resolve("cross.pt"),
            "--networkOutput=PROBABILITY",
            "--events=" + events,
            "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
            "--registry=" + registry);
    assertThat(imported.status()).as(imported.toString()).isZero();
    ModelRegistry r = ModelRegistry.at(registry);
    String version = r.production().orElseThrow();
    ModelManifest manifest = r.describe(version).manifest();
    assertThat(manifest.network()).isEqualTo("torchscript");
    assertThat(manifest.parametersFile()).isEqualTo("model.pt");
    assertThat(manifest.external().sourceFile()).isEqualTo("cross.pt");
    assertThat(manifest.external().standardized()).isFalse();
    assertThat(imported.out())
        .contains("Freshet import: torchscript")
        .contains("for spec 'fraud' (19 features")
        .containsPattern("checked on [0-9,]+ feature vectors: one finite probability per row")
        .contains("registered " + version + " (torchscript, imported from cross.pt, sha256 ")
        .contains(": promoted");

    FreshetCommandLine.Result list =
        FreshetCommandLine.execute("models", "list", "--registry=" + registry);
    assertThat(list.status()).as(list.toString()).isZero();
    assertThat(list.out())
        .containsPattern(version + ".*holdout.*\\[torchscript from cross\\.pt\\]\\s+<- production");

    FreshetCommandLine.Result described =
        FreshetCommandLine.execute("models", "describe", version, "--registry=" + registry);
    assertThat(described.status()).as(described.toString()).isZero();
    assertThat(described.out())
        .contains(
            "network      torchscript, external: imported from cross.pt (sha256 "
                + manifest.external().sourceSha256()
                + "), output probability, raw values (the network normalises itself)")
        .contains("features     19, fingerprint " + manifest.layout().fingerprint());
  }

  @Test
  public void aModelOfAnotherWidthIsRefusedNamingTheWidthAndTheSpec() throws Exception {
    // The spec lost a column since the model was made: 18 features instead of 19.
    Path spec18 = TMP.getRoot().toPath().resolve("fraud18.yaml");
    List<String> specLines = new ArrayList<>();
    for (String line :
        Files.readAllLines(TestDataFiles.root().resolve(Domain.FRAUD.defaultSpec()))) {
      if (!line.contains("{name: amount,")) {
        specLines.add(line.replace("name: fraud", "name: fraud18"));
      }
    }
    Files.write(spec18, specLines);
    String registry = TMP.newFolder("refused").toString();
    FreshetCommandLine.Result refused =
        FreshetCommandLine.execute(
            "models",
            "import",
            "--onnx=" + byom.resolve("mlp.onnx"),
            "--spec=" + spec18,
            "--events=" + events,
            "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
            "--registry=" + registry);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.err())
        .startsWith("error: ")
        .contains("[batch, 18]")
        .contains("'fraud18'")
        .doesNotContain("\tat ");
    assertThat(ModelRegistry.at(registry).list()).isEmpty();
  }

  @Test
  public void aMistypedOptionIsRefusedNamingIt() {
    FreshetCommandLine.Result refused =
        FreshetCommandLine.execute(
            "models",
            "import",
            "--torchscrpt=" + byom.resolve("mlp.pt"),
            "--events=" + events,
            "--registry=" + TMP.getRoot().toPath().resolve("never"));
    assertThat(refused.status()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.err()).contains("'torchscrpt'").contains("torchscript");
  }

  @Test
  public void helpListsTheImportOptions() {
    FreshetCommandLine.Result help = FreshetCommandLine.execute("models", "import", "--help");
    assertThat(help.status()).as(help.toString()).isZero();
    assertThat(help.out())
        .contains("Usage: freshet models import")
        .contains("--torchscript")
        .contains("--onnx")
        .contains("--standardize")
        .contains("--networkOutput");
  }
}
