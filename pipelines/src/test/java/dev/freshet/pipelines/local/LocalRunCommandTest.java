package dev.freshet.pipelines.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

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
