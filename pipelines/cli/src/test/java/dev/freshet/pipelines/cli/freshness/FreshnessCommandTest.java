package dev.freshet.pipelines.cli.freshness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.freshness.CadenceNote;
import dev.freshet.pipelines.freshness.FreshnessOptions;
import dev.freshet.pipelines.freshness.PolicyResult;
import dev.freshet.pipelines.freshness.ReplayPlan;
import dev.freshet.pipelines.freshness.ReplaySettings;
import dev.freshet.pipelines.freshness.UpdatePolicy;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code freshet freshness} end to end on a generated fraud stream with drift (a fraud pattern the
 * warm-up never shows appears at 40% of the stream): features and labels through the shared bounded
 * path, the policies replayed as a Beam pipeline, and the report.
 */
public class FreshnessCommandTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static Path fraud;
  private static Path small;
  private static Path sparse;

  @BeforeClass
  public static void generate() throws Exception {
    fraud = TMP.newFolder("fraud").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(5).events(6000).eventsPerSecond(0.01).driftAt(0.4).build(),
        fraud,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    // The direct runner is slow on the feature flow: a shorter stream shows it runs there.
    small = TMP.newFolder("small").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(6).events(1500).eventsPerSecond(0.003).driftAt(0.4).build(),
        small,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    // Issue #20's stream: about 50 labels a day (2,000 payments over 40 days).
    sparse = TMP.newFolder("sparse").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(42).events(2000).eventsPerSecond(50 / 86_400.0).build(),
        sparse,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
  }

  private static FreshnessCommand.Outcome run(String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--events=" + fraud.resolve("events.jsonl"),
                "--outcomes=" + fraud.resolve("outcomes.jsonl"),
                "--warmup=35%",
                "--continualBatchSize=200",
                "--minUpdateExamples=200",
                "--retrainWindow=4d",
                "--retrainEpochs=8",
                "--chartSlices=10"));
    for (String e : extra) {
      String name = e.substring(0, e.indexOf('=') + 1);
      args.removeIf(a -> a.startsWith(name));
      args.add(e);
    }
    return execute(args, new ByteArrayOutputStream());
  }

  /** The command with exactly {@code args}; what it prints goes to {@code out}. */
  private static FreshnessCommand.Outcome execute(List<String> args, ByteArrayOutputStream out)
      throws Exception {
    PipelineOptionsFactory.register(FreshnessOptions.class);
    FreshnessOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0]))
            .withValidation()
            .as(FreshnessOptions.class);
    FreshnessCommand.Outcome outcome =
        FreshnessCommand.run(options, new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("| policy | updates | every (median) | examples per update (median) | NE |")
        .containsPattern("payments\\s+[\\d,]+ in, [\\d,]+ usable, 0 dead letters");
    return outcome;
  }

  @Test
  public void continualBeatsStaticUnderDriftOnFlink() throws Exception {
    Path output = TMP.newFolder("flink-out").toPath();
    FreshnessCommand.Outcome outcome =
        run(
            "--runner=FlinkRunner",
            "--flinkMaster=[local]",
            "--policies=static,weekly,daily,continual,retrain-daily",
            "--output=" + output);
    FreshnessReport report = outcome.report();
    assertThat(report.results())
        .extracting(PolicyResult::policy)
        .containsExactly("static", "weekly", "daily", "continual", "retrain-daily");
    double staticNe = ne(report, "static");
    double daily = ne(report, "daily");
    double continual = ne(report, "continual");
    // The ordering freshness should give under drift: static worst, continual best of the warm
    // starts, and a clear gain from static to continual.
    assertThat(continual).isLessThan(daily).isLessThan(staticNe);
    assertThat(continual).isLessThan(0.95 * staticNe);
    assertThat(ne(report, "retrain-daily")).isLessThan(staticNe);
    // Every evaluated example is scored once per policy; static never trains.
    long evaluated = report.results().get(0).metrics().examples();
    assertThat(evaluated).isGreaterThan(3000);
    assertThat(report.results())
        .allSatisfy(r -> assertThat(r.metrics().examples()).isEqualTo(evaluated));
    assertThat(report.result("static").orElseThrow().examplesTrained()).isZero();
    assertThat(report.result("continual").orElseThrow().updates())
        .isGreaterThan(report.result("daily").orElseThrow().updates());
    assertThat(report.summary())
        .anySatisfy(l -> assertThat(l).startsWith("daily instead of weekly: NE "))
        .anySatisfy(l -> assertThat(l).startsWith("continual instead of static: NE \u2212"));
    for (String file :
        List.of("freshness.md", "freshness.csv", "freshness-slices.csv", "freshness.png")) {
      assertThat(output.resolve(file)).isNotEmptyFile();
    }
    assertThat(Files.readAllLines(output.resolve("freshness.csv"))).hasSize(6);
    assertThat(Files.readString(output.resolve("freshness.md"))).contains("| continual |");
    // ~850 labels a day feed the given sizes (200) as named: daily every day, continual more
    // often; weekly has no update point in the 4.5 evaluated days (a note, not a warning).
    assertThat(report.result("daily").orElseThrow().cadence().medianIntervalMillis())
        .isEqualTo(86_400_000L);
    assertThat(report.result("continual").orElseThrow().cadence().medianExamplesPerUpdate())
        .isEqualTo(200);
    assertThat(report.cadenceNotes())
        .noneMatch(CadenceNote::warning)
        .extracting(CadenceNote::policy)
        .containsExactly("weekly");
    assertThat(Files.readString(output.resolve("freshness.md")))
        .contains("## Update cadence")
        .contains("- --minUpdateExamples=200 (given)")
        .doesNotContain("warning:");
  }

  /** On the direct runner, under a locale that writes decimal commas: the CSV keeps points. */
  @Test
  public void runsOnTheDirectRunner() throws Exception {
    Path output = TMP.newFolder("direct-out").toPath();
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    FreshnessCommand.Outcome outcome;
    try {
      outcome =
          run(
              "--runner=DirectRunner",
              "--events=" + small.resolve("events.jsonl"),
              "--outcomes=" + small.resolve("outcomes.jsonl"),
              "--policies=static,daily",
              "--warmup=60%",
              "--output=" + output);
    } finally {
      Locale.setDefault(before);
    }
    assertThat(outcome.report().results())
        .extracting(PolicyResult::policy)
        .containsExactly("static", "daily");
    assertThat(outcome.report().result("daily").orElseThrow().updates()).isPositive();
    assertThat(output.resolve("freshness.png")).isNotEmptyFile();
    try (Reader in = Files.newBufferedReader(output.resolve("freshness.csv"));
        CSVParser csv =
            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
      List<CSVRecord> rows = csv.getRecords();
      assertThat(rows).extracting(r -> r.get("policy")).containsExactly("static", "daily");
      for (CSVRecord row : rows) {
        assertThat(row.size()).isEqualTo(19);
        assertThat(Double.parseDouble(row.get("ne")))
            .isCloseTo(
                outcome
                    .report()
                    .result(row.get("policy"))
                    .orElseThrow()
                    .metrics()
                    .normalizedEntropy(),
                within(1e-6));
      }
    }
  }

  /**
   * Issue #20: on ~50 labels a day, with the update sizes left unset, each periodic warm start
   * waits for half the labels its period brings, so daily updates daily; hourly, which the stream
   * cannot feed with the adapted floor of 16 labels, is warned about once, naming the option and
   * the value that would make it hourly. The cadence stands next to each name in every output.
   */
  @Test
  public void sparseLabelsGetAdaptedSizesAndCadenceWarnings() throws Exception {
    Path output = TMP.newFolder("sparse-out").toPath();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    FreshnessReport report =
        execute(
                List.of(
                    "--events=" + sparse.resolve("events.jsonl"),
                    "--outcomes=" + sparse.resolve("outcomes.jsonl"),
                    "--warmup=35%",
                    "--runner=FlinkRunner",
                    "--flinkMaster=[local]",
                    "--output=" + output),
                console)
            .report();
    String printed = console.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .containsPattern("--minUpdateExamples not set: .*daily 2\\d, hourly 16 \\(half the labels")
        .contains("--continualBatchSize not set: 16 (the labels of 1.0h");

    PolicyResult daily = report.result("daily").orElseThrow();
    assertThat(daily.cadence().medianIntervalMillis()).isEqualTo(86_400_000L);
    assertThat(daily.updates()).isGreaterThan(20);
    assertThat(report.cadenceNotes()).noneSatisfy(n -> assertThat(n.policy()).isEqualTo("daily"));
    assertThat(report.cadenceNotes())
        .filteredOn(n -> n.policy().equals("hourly"))
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.warning()).isTrue();
              assertThat(n.text())
                  .startsWith("hourly updated every ")
                  .contains("(--minUpdateExamples not set, adapted to 16)")
                  .endsWith("set --minUpdateExamples=1");
            });
    // Printed once per policy, and in the report.
    assertThat(printed.split("warning: hourly updated every ", -1)).hasSize(2);
    String md = Files.readString(output.resolve("freshness.md"));
    assertThat(md)
        .containsPattern("\\| daily \\| \\d+ \\| 1\\.0d \\| \\d+ \\|")
        .contains("## Update cadence")
        .contains("- warning: hourly updated every ");
    try (Reader in = Files.newBufferedReader(output.resolve("freshness.csv"));
        CSVParser csv =
            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
      List<CSVRecord> rows = csv.getRecords();
      CSVRecord dailyRow =
          rows.stream().filter(r -> r.get("policy").equals("daily")).findFirst().orElseThrow();
      assertThat(dailyRow.get("median_update_interval_h")).isEqualTo("24.000");
      assertThat(dailyRow.get("cadence_warning")).isEmpty();
      CSVRecord hourlyRow =
          rows.stream().filter(r -> r.get("policy").equals("hourly")).findFirst().orElseThrow();
      assertThat(hourlyRow.get("cadence_warning")).contains("--minUpdateExamples");
    }
  }

  @Test
  public void badOptionsFailNamingTheOption() {
    assertThatThrownBy(() -> FreshnessCommand.policies("static,sometimes"))
        .hasMessageContaining("--policies")
        .hasMessageContaining("sometimes");
    assertThatThrownBy(() -> FreshnessCommand.policies("daily,daily"))
        .hasMessageContaining("--policies");
    assertThatThrownBy(() -> run("--warmup=150%")).hasMessageContaining("--warmup");
    assertThatThrownBy(() -> run("--retrainWindow=soon")).hasMessageContaining("--retrainWindow");
    assertThatThrownBy(() -> run("--continualBatchSize=0"))
        .hasMessageContaining("--continualBatchSize");
    assertThat(UpdatePolicy.parse("retrain-every-6h").periodMillis()).isEqualTo(6 * 3_600_000L);
    assertThatThrownBy(() -> run("--repeats=0")).hasMessageContaining("--repeats");
    for (String bad :
        List.of(
            "daily:window=2d",
            "retrain-daily:adam=keep",
            "daily:passes=0",
            "daily:lr=fast",
            "daily:adam=sometimes",
            "daily:speed=3",
            "static:passes=2")) {
      assertThatThrownBy(() -> FreshnessCommand.policies(bad))
          .as(bad)
          .hasMessageContaining("--policies")
          .hasMessageContaining(bad);
    }
  }

  @Test
  public void policiesTakeSettingsAndRepeatsTakeSeeds() throws Exception {
    UpdatePolicy retrain = UpdatePolicy.parse("retrain-daily:window=4d:passes=3:lr=0.5");
    assertThat(retrain.windowMillis()).isEqualTo(4 * 86_400_000L);
    assertThat(retrain.passes()).isEqualTo(3);
    assertThat(retrain.learningRateFactor()).isEqualTo(0.5);
    UpdatePolicy warm = UpdatePolicy.parse("hourly:adam=new");
    assertThat(warm.keepOptimizer()).isFalse();
    assertThat(warm.kind()).isEqualTo(UpdatePolicy.Kind.WARM_START);
    ReplaySettings settings =
        FreshnessCommand.settings(
            PipelineOptionsFactory.fromArgs("--seed=5", "--updateLearningRateFactor=0.5")
                .as(FreshnessOptions.class),
            Specs.load(PipelineOptionsFactory.as(FreshnessOptions.class)));
    assertThat(settings.keepOptimizer()).isTrue();
    ReplayPlan plan = settings.plan(0, 1, 100, List.of());
    assertThat(plan.retrainFor(retrain).epochs()).isEqualTo(3);
    assertThat(plan.retrainFor(retrain).learningRate())
        .isEqualTo(settings.initial().learningRate() * 0.5f);
    assertThat(plan.updateFor(warm).learningRate())
        .isEqualTo(settings.initial().learningRate() * 0.5f);
    assertThat(plan.keepsOptimizer(warm)).isFalse();
    assertThat(plan.keepsOptimizer(UpdatePolicy.parse("hourly"))).isTrue();
    List<List<UpdatePolicy>> repeats =
        FreshnessCommand.repeats(FreshnessCommand.policies("static,hourly:adam=new"), 3, settings);
    assertThat(repeats.get(0)).extracting(UpdatePolicy::name).containsExactly("static");
    assertThat(repeats.get(1)).extracting(UpdatePolicy::seed).containsExactly(5L, 6L, 7L);
    assertThat(plan.updateFor(repeats.get(1).get(2)).seed()).isEqualTo(7L);
    assertThatThrownBy(
            () -> FreshnessCommand.repeats(FreshnessCommand.policies("daily:seed=3"), 2, settings))
        .hasMessageContaining("--repeats");
  }

  @Test
  public void helpListsTheOptions() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(
            FreshnessCommand.run(
                new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8)))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("freshet freshness")
        .contains("--policies")
        .contains("--warmup")
        .contains("--retrainWindow")
        .contains("--minUpdateExamples")
        .contains("--continualBatchSize")
        .contains("that differs from the name by more than 2x");
  }

  private static double ne(FreshnessReport report, String policy) {
    return report.result(policy).orElseThrow().metrics().normalizedEntropy();
  }
}
