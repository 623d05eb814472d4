package dev.freshet.pipelines.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.pipelines.cli.models.ModelsCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/** The README's first command, end to end on a short stream: every record accounted for. */
public class LocalRunCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void runsTheMainJobEndToEndAndAccountsForEveryRecord() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int status =
        LocalRunCommand.run(
            new String[] {
              "--runner=DirectRunner",
              "--loop=false",
              "--replayEvents=600",
              "--speedup=300",
              "--epochs=2",
              "--workDir=" + tmp.getRoot(),
            },
            new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertThat(status).as(out).isZero();
    assertThat(out)
        .contains("promoted (the first model)")
        .contains("live after")
        .contains("in = predictions + dead letters: 605 = 600 + 5  OK")
        .contains("payments MALFORMED_JSON")
        .contains("payments OVERSIZED")
        .contains("latency, sent -> prediction consumed");
    assertThat(tmp.getRoot().toPath().resolve("registry/PRODUCTION")).exists();
  }

  /**
   * The README's first command with the loop, on the Flink mini-cluster: the new fraud pattern
   * appears at a fifth of the stream; a candidate is promoted with its evidence, and on the last
   * quarter of the stream the served predictions beat the static model (the first version scoring
   * the same logged vectors) by a margin. Measured on this machine: NE 0.23 served against 0.43
   * static; the test asks for at least 20% better.
   */
  @Test
  public void theLoopPromotesACandidateThatBeatsTheStaticModelUnderDrift() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int status =
        LocalRunCommand.run(
            new String[] {"--driftAt=0.2", "--workDir=" + tmp.getRoot()},
            new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertThat(status).as(out).isZero();
    assertThat(out)
        .contains("in = predictions + dead letters: 150,005 = 150,000 + 5  OK")
        .contains("PROMOTED #")
        .contains("Welch z on mean log loss")
        .containsPattern("iteration cycle: new fraud pattern from .* -> #\\d+ promoted");
    Matcher lastQuarter =
        Pattern.compile("last quarter of the stream\\s+([0-9.]+)\\s+([0-9.]+)").matcher(out);
    assertThat(lastQuarter.find()).as(out).isTrue();
    double served = Double.parseDouble(lastQuarter.group(1));
    double fixed = Double.parseDouble(lastQuarter.group(2));
    assertThat(served)
        .as("served NE against the static model's %s%n%s", fixed, out)
        .isLessThan(0.8 * fixed);
    assertThat(Files.size(tmp.getRoot().toPath().resolve("online-ne.png"))).isPositive();

    // models list shows every version's offline evidence and the promotion's online evidence.
    ByteArrayOutputStream listed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(listed, true, StandardCharsets.UTF_8));
    try {
      assertThat(
              new CommandLine(new ModelsCommand())
                  .execute("list", "--registry=" + tmp.getRoot().toPath().resolve("registry")))
          .isZero();
    } finally {
      System.setOut(stdout);
    }
    String list = listed.toString(StandardCharsets.UTF_8);
    assertThat(list)
        .as(list)
        .doesNotContain("NaN")
        .containsPattern("holdout\\s+0\\.\\d{4}\\s+0\\.\\d{4}")
        .containsPattern("smoke\\s+0\\.\\d{4}\\s+0\\.\\d{4}")
        // A static model under drift can be worse than the base rate: NE above 1 is a real value.
        .containsPattern("promoted online against v\\S+: NE \\d+\\.\\d{4} vs \\d+\\.\\d{4}");
  }

  @Test
  public void refusesADomainItCannotReplay() {
    assertThatThrownBy(
            () ->
                LocalRunCommand.run(
                    new String[] {"--domain=FLIGHTS"},
                    new PrintStream(PrintStream.nullOutputStream())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--domain=FLIGHTS");
  }
}
