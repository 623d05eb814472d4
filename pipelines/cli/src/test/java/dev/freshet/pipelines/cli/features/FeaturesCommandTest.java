package dev.freshet.pipelines.cli.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudJsonl;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.testdata.Payment;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code freshet features} end to end on a few hundred generated payments: exit code, summary,
 * statistics table, written features, option errors and help.
 */
public class FeaturesCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static FeatureSpec spec;

  @BeforeClass
  public static void loadSpec() {
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
  }

  /** What one run printed and returned. */
  private record Run(int exit, String out) {}

  private static Run run(String... args) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int exit;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      exit = FeaturesCommand.run(args, out);
    }
    return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
  }

  private Path generate() throws IOException {
    Path dir = tmp.newFolder("data").toPath();
    GenerateFraud.write(
        FraudGenerator.builder().seed(3).events(300).eventsPerSecond(0.05).build(),
        dir,
        GenerateFraud.Format.jsonl,
        new PrintStream(OutputStream.nullOutputStream()));
    return dir;
  }

  @Test
  public void featuresThreeHundredPaymentsAndWritesOneVectorPerEvent() throws IOException {
    Path data = generate();
    Path events = data.resolve("events.jsonl");
    List<String> ids = new ArrayList<>();
    for (Payment payment : FraudJsonl.readPayments(events)) {
      ids.add(payment.eventId());
    }
    assertThat(ids).hasSize(300);
    Path output = tmp.getRoot().toPath().resolve("out");

    Run r =
        run(
            "--events=" + events,
            "--outcomes=" + data.resolve("outcomes.jsonl"),
            "--output=" + output);

    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(summaryLine(r.out()))
        .contains("in = featured + dead letters: 300 = 300 + 0")
        .endsWith("OK");
    assertThat(r.out()).containsPattern("events\\s+in\\s+300\\s+valid\\s+300\\s+dead letters 0");
    for (String name : spec.featureNames()) {
      assertThat(r.out()).as("statistics of %s", name).containsPattern("(?m)^" + name + "\\s");
    }

    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(output)) {
      for (Path f :
          files.filter(f -> f.getFileName().toString().matches("features-.*\\.jsonl")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    assertThat(lines).hasSize(300);
    ObjectMapper json = new ObjectMapper();
    List<String> written = new ArrayList<>();
    for (String line : lines) {
      JsonNode node = json.readTree(line);
      written.add(node.get("event_id").asText());
      assertThat(node.get("features").isArray()).as(line).isTrue();
      assertThat(node.get("features")).as(line).hasSize(spec.size());
    }
    assertThat(written).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  public void aMalformedLineIsOneDeadLetterAndTheCheckStillBalances() throws IOException {
    Path data = generate();
    Path events = data.resolve("events.jsonl");
    Files.writeString(events, "{\"event_id\": \"broken\",\n", StandardOpenOption.APPEND);

    Run r = run("--events=" + events, "--outcomes=" + data.resolve("outcomes.jsonl"));

    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).containsPattern("events\\s+in\\s+301\\s+valid\\s+300\\s+dead letters 1");
    assertThat(r.out())
        .containsPattern("payments\\s+301 in, 300 usable, 1 dead letters")
        .containsPattern("MALFORMED_JSON\\s+1\\s+e\\.g\\. ");
    assertThat(summaryLine(r.out()))
        .contains("in = featured + dead letters: 301 = 300 + 1")
        .endsWith("OK");
  }

  @Test
  public void anUnknownDomainFailsFastNamingTheValue() {
    assertThatThrownBy(() -> run("--domain=NOPE"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NOPE");
  }

  @Test
  public void missingEventFilesFailNamingThePath() {
    String missing = "/nonexistent/freshet-" + System.nanoTime() + "/*.jsonl";
    Run r;
    try {
      r = run("--events=" + missing, "--outcomes=" + missing);
    } catch (Exception e) {
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t).append('\n');
      }
      assertThat(messages.toString()).contains(missing);
      return;
    }
    assertThat(r.exit()).as(r.out()).isNotZero();
  }

  @Test
  public void helpListsTheOptionsWithTheirDescriptions() throws IOException {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    String flat = r.out().replaceAll("\\s+", " ");
    assertThat(flat)
        .contains("--domain")
        .contains("Example domain whose test data and spec are the defaults: FRAUD or FLIGHTS.")
        .contains("--events")
        .contains(
            "Events: a JSON-lines (.jsonl, .json, .gz), CSV with a header line (.csv, .csv.gz) or Parquet (.parquet) file pattern")
        .contains("--outcomes")
        .contains("Outcomes (labels) file pattern, same formats as --events")
        .contains("--spec")
        .contains("Feature spec (YAML or JSON) on any Beam file system")
        .contains("--output")
        .contains("Directory to write featured events");
  }

  private static String summaryLine(String out) {
    Matcher m = Pattern.compile("(?m)^featured .*$").matcher(out);
    assertThat(m.find()).as("a 'featured' summary line in:%n%s", out).isTrue();
    return m.group().strip();
  }
}
