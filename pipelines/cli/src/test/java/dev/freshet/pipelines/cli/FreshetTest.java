package dev.freshet.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.pipelines.archive.ArchiveOptions;
import dev.freshet.pipelines.cli.run.RunOptions;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.freshness.FreshnessOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.serve.ServeOptions;
import dev.freshet.pipelines.skew.SkewCheckOptions;
import dev.freshet.pipelines.train.ImportOptions;
import dev.freshet.pipelines.train.ModelOptions;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The command line's contract for mistakes: exit status 2 and a message that says what to do. */
public class FreshetTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test(timeout = 60_000)
  public void serveWithUnreachableKafkaExitsNonZeroNamingTheServers() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "serve",
            "--bootstrapServers=127.0.0.1:1",
            "--registry=" + tmp.getRoot());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: no Kafka broker answered at --bootstrapServers=127.0.0.1:1")
        .doesNotContain("\tat ");
  }

  @Test
  public void anUnknownOptionIsNamed() {
    StringWriter err = new StringWriter();
    int status = Freshet.execute(new PrintWriter(err, true), "serve", "--bootstrapServer=x:1");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .contains("'bootstrapServer'")
        .contains("Did you mean 'bootstrapServers'");
  }

  @Test
  public void archiveNamesABadOptionBeforeContactingKafka() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "archive",
            "--bootstrapServers=127.0.0.1:1",
            "--archiveDir=" + tmp.getRoot(),
            "--numShards=0");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: --numShards must be between 1 and 1024, got 0");
  }

  /** An error the data caused says which dead letters caused it, once and without a trace. */
  @Test
  public void trainAndFreshnessOnOutcomesThatAreAllDeadLettersSayWhyOnce() throws Exception {
    Path data = tmp.newFolder("data").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(5).events(250).eventsPerSecond(0.05).build(),
        data,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    Path outcomes = data.resolve("outcomes.jsonl");
    Files.writeString(
        outcomes, Files.readString(outcomes).replace("\"label\":true", "\"label\":\"UP\""));
    String events = "--events=" + data.resolve("events.jsonl");

    for (String[] args :
        List.of(
            new String[] {
              "train", events, "--outcomes=" + outcomes, "--registry=" + tmp.newFolder("registry")
            },
            new String[] {
              "freshness", events, "--outcomes=" + outcomes, "--output=" + tmp.newFolder("out")
            })) {
      StringWriter err = new StringWriter();
      PrintStream stdout = System.out;
      System.setOut(new PrintStream(OutputStream.nullOutputStream()));
      int status;
      try {
        status = Freshet.execute(new PrintWriter(err, true), args);
      } finally {
        System.setOut(stdout);
      }

      assertThat(status).as("%s: %s", args[0], err).isEqualTo(2);
      assertThat(err.toString())
          .as(args[0])
          .startsWith("error: ")
          .containsPattern(
              "Dead letters: ([\\d,]+) of \\1 chargebacks were dead letters: WRONG_TYPE")
          .contains("field 'label'")
          .doesNotContain("\tat ");
      assertThat(err.toString().split("were dead letters", -1)).as(args[0]).hasSize(2);
    }
  }

  @Test
  public void modelsAndStatusOnAPathWithoutARegistryFailNamingIt() {
    String missing = tmp.getRoot() + "/typo-registry";
    for (String[] args :
        List.of(
            new String[] {"models", "list", "--registry=" + missing},
            new String[] {"models", "describe", "v1", "--registry=" + missing},
            new String[] {"status", "--registry=" + missing})) {
      StringWriter err = new StringWriter();
      assertThat(Freshet.execute(new PrintWriter(err, true), args)).as(args[1]).isEqualTo(2);
      assertThat(err.toString())
          .as(args[1])
          .startsWith("error: no model registry at --registry=" + missing)
          .doesNotContain("\tat ");
    }
  }

  /** One option style: a dashed spelling is refused, naming the camelCase one, in every command. */
  @Test
  public void aDashedOptionIsRefusedNamingItsCamelCaseSpelling() {
    for (String[] args :
        List.of(
            new String[] {"models", "promote", "v1", "--bootstrap-servers=x:9092"},
            new String[] {"replay", "--events=e.jsonl", "--key-field", "card_id"},
            new String[] {"serve", "--bootstrap-servers=x:9092"},
            new String[] {"generate-fraud", "--out=o", "--drift-at=0.5"})) {
      StringWriter err = new StringWriter();
      assertThat(Freshet.execute(new PrintWriter(err, true), args)).as(args[0]).isEqualTo(2);
      assertThat(err.toString()).as(args[0]).contains("is spelled --").contains("camelCase");
    }
    StringWriter err = new StringWriter();
    Freshet.execute(new PrintWriter(err, true), "replay", "--key-field=card_id");
    assertThat(err.toString()).contains("--key-field is spelled --keyField");
  }

  /** {@code -h} works wherever {@code --help} does, Beam-style commands and picocli ones alike. */
  @Test
  public void dashHPrintsHelpForEveryCommand() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (String command :
          List.of(
              "run",
              "features",
              "train",
              "serve",
              "learn",
              "archive",
              "skew-check",
              "freshness",
              "models",
              "status",
              "replay",
              "cluster",
              "generate-fraud")) {
        captured.reset();
        StringWriter err = new StringWriter();
        assertThat(Freshet.execute(new PrintWriter(err, true), command, "-h"))
            .as("%s -h: %s", command, err)
            .isZero();
        assertThat(captured.toString(StandardCharsets.UTF_8))
            .as(command)
            .containsIgnoringCase("usage");
      }
    } finally {
      System.setOut(stdout);
    }
  }

  /**
   * Every command's options together in one JVM, as in the tests and in a user's pipeline that
   * reuses several: Beam refuses an option declared twice with different defaults or types.
   */
  @Test
  public void allOptionsInterfacesAgreeOnSharedOptions() {
    List<Class<? extends PipelineOptions>> all =
        List.of(
            SpecOptions.class,
            FeaturesOptions.class,
            ModelOptions.class,
            TrainOptions.class,
            ImportOptions.class,
            KafkaOptions.class,
            ServeOptions.class,
            LearnOptions.class,
            RunOptions.class,
            ArchiveOptions.class,
            SkewCheckOptions.class,
            FreshnessOptions.class);
    all.forEach(PipelineOptionsFactory::register);
    for (Class<? extends PipelineOptions> options : all) {
      assertThat(PipelineOptionsFactory.fromArgs().as(options)).as(options.getName()).isNotNull();
    }
  }
}
