package dev.freshet.pipelines.cli.skew;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.DomainData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The bounded path against the streaming path on a generated fraud log (400 payments, chargebacks
 * within the hour, late and duplicated records): identical vectors pass; a streaming path whose
 * spec computes one feature over another window is caught, and only that feature is named.
 */
public class SkewCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static DomainData.Slice slice;
  private static Path dir;

  @BeforeClass
  public static void generate() throws Exception {
    dir = TMP.newFolder("log").toPath();
    slice = DomainData.fraud(dir, 400);
  }

  private static List<String> args(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--events=" + slice.events(),
                "--outcomes=" + slice.outcomes(),
                "--report=" + dir.resolve("report-" + System.nanoTime() + ".json")));
    args.addAll(List.of(more));
    return args;
  }

  private static SkewCheckCommand.Result check(List<String> args, StringBuilder printed)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SkewCheckCommand.Result result =
        SkewCheckCommand.check(
            SkewCheckCommand.parse(args.toArray(new String[0])),
            new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  public void theSamePathsGiveIdenticalVectorsForEveryEvent() throws Exception {
    List<String> args = args();
    StringBuilder printed = new StringBuilder();
    SkewCheckCommand.Result result = check(args, printed);

    long ids = slice.eventRows().stream().map(r -> r.getString("event_id")).distinct().count();
    JsonNode c = result.report().get("comparisons").get(0);
    assertThat(result.exitCode()).as(printed.toString()).isZero();
    assertThat(c.get("comparison").asText()).isEqualTo("bounded_vs_streaming");
    assertThat(c.get("events").asLong()).isEqualTo(ids);
    assertThat(c.get("identical").asLong()).isEqualTo(ids);
    assertThat(c.get("different").asLong()).isZero();
    assertThat(c.get("only_bounded").asLong()).isZero();
    assertThat(c.get("only_streaming").asLong()).isZero();
    assertThat(c.get("differing_events_by_feature").size()).isZero();
    assertThat(printed).contains("PASSED").contains("dead letters by source and reason");
    // Usable events and outcomes are counted, and none was dead.
    JsonNode deadLetters = result.report().get("dead_letters");
    assertThat(deadLetters.get("valid").size()).isEqualTo(2);
    assertThat(deadLetters.get("dead").size()).isZero();
    // The JSON report is written where asked, and is the one returned.
    String path = args.get(2).substring("--report=".length());
    assertThat(JSON.readTree(Files.readString(Path.of(path))))
        .isEqualTo(JSON.readTree(result.report().toString()));
  }

  @Test
  public void aFeatureComputedOverAnotherWindowInTheStreamingPathIsCaughtAndNamed()
      throws Exception {
    String yaml = Files.readString(Path.of(Domain.FRAUD.defaultSpec()));
    String planted =
        yaml.replace(
            "{name: card_payments_1h, agg: count, key: card, window: 1h}",
            "{name: card_payments_1h, agg: count, key: card, window: 2h}");
    assertThat(planted).isNotEqualTo(yaml);
    Path skewed = dir.resolve("skewed.yaml");
    Files.writeString(skewed, planted);

    StringBuilder printed = new StringBuilder();
    SkewCheckCommand.Result result = check(args("--streamingSpec=" + skewed), printed);

    JsonNode c = result.report().get("comparisons").get(0);
    assertThat(result.exitCode()).as(printed.toString()).isEqualTo(1);
    assertThat(c.get("different").asLong()).isPositive();
    Set<String> named = new HashSet<>();
    c.get("differing_events_by_feature").fieldNames().forEachRemaining(named::add);
    assertThat(named).containsExactly("card_payments_1h");
    assertThat(c.get("differing_events_by_feature").get("card_payments_1h").asLong())
        .isEqualTo(c.get("different").asLong());
    JsonNode example = c.get("examples").get(0);
    assertThat(example.get("features")).hasSize(1);
    JsonNode column = example.get("features").get(0);
    assertThat(column.get("feature").asText()).isEqualTo("card_payments_1h");
    // A two-hour count never falls below the one-hour count of the same card.
    assertThat(column.get("streaming").asDouble()).isGreaterThan(column.get("bounded").asDouble());
    assertThat(printed).contains("card_payments_1h").contains("SKEW");
  }

  @Test
  public void badOptionsAreNamed() {
    assertThatThrownBy(() -> SkewCheckCommand.validate(SkewCheckCommand.parse("--tolerance=-1")))
        .hasMessageContaining("--tolerance");
    assertThatThrownBy(
            () -> SkewCheckCommand.validate(SkewCheckCommand.parse("--maxDivergence=1.5")))
        .hasMessageContaining("--maxDivergence");
    assertThatThrownBy(() -> SkewCheckCommand.validate(SkewCheckCommand.parse("--examples=-2")))
        .hasMessageContaining("--examples");
    assertThatThrownBy(
            () -> SkewCheckCommand.validate(SkewCheckCommand.parse("--predictions=p.jsonl")))
        .hasMessageContaining("--predictions");
    assertThatThrownBy(() -> SkewCheckCommand.validate(SkewCheckCommand.parse("--check=LOGGED")))
        .hasMessageContaining("--predictions")
        .hasMessageContaining("--bootstrapServers");
    assertThatThrownBy(
            () ->
                SkewCheckCommand.check(
                    SkewCheckCommand.parse("--events=" + dir.resolve("nothing-*.jsonl")),
                    new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("--events");
    assertThatThrownBy(
            () ->
                SkewCheckCommand.check(
                    SkewCheckCommand.parse(
                        "--events=" + slice.events(),
                        "--outcomes=" + slice.outcomes(),
                        "--streamingSpec=" + Domain.FLIGHTS.defaultSpec()),
                    new PrintStream(new ByteArrayOutputStream())))
        .hasMessageContaining("--streamingSpec");
  }

  @Test
  public void helpListsTheOptions() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(SkewCheckCommand.run(new String[] {"--help"}, new PrintStream(bytes))).isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("--maxDivergence")
        .contains("--tolerance")
        .contains("--streamingSpec")
        .contains("--predictions");
  }
}
