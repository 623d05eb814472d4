package dev.freshet.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

public class CommandLineTest {

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void helpWorksForBothTools() {
    for (Object command : new Object[] {new GenerateFraud(), new FlightsSlice()}) {
      StringWriter out = new StringWriter();
      CommandLine cl = new CommandLine(command);
      cl.setOut(new PrintWriter(out));
      assertThat(cl.execute("--help")).isZero();
      assertThat(out.toString()).contains("Usage:").contains("--out");
    }
  }

  @Test
  public void generateFraudWritesFilesAndASummary() throws Exception {
    GenerateFraud command = new GenerateFraud();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    command.stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
    Path dir = tmp.getRoot().toPath().resolve("run");
    int rc =
        new CommandLine(command)
            .execute(
                "--events",
                "2000",
                "--seed",
                "3",
                "--driftAt",
                "0.25",
                "--eventsPerSecond",
                "0.5",
                "--format",
                "parquet",
                "--out",
                dir.toString());
    assertThat(rc).isZero();
    assertThat(dir.resolve("events.parquet")).exists();
    assertThat(dir.resolve("outcomes.parquet")).exists();
    assertThat(FraudParquet.readPayments(dir.resolve("events.parquet"))).hasSize(2000);
    String summary = out.toString(StandardCharsets.UTF_8);
    assertThat(summary).contains("events: 2000").contains("drift onset").contains("late");
  }

  @Test
  public void badArgumentsFail() {
    GenerateFraud command = new GenerateFraud();
    CommandLine cl = new CommandLine(command);
    cl.setErr(new PrintWriter(new StringWriter()));
    assertThat(cl.execute("--events", "10")).isNotZero(); // --out is required
    assertThat(Files.exists(tmp.getRoot().toPath().resolve("events.jsonl"))).isFalse();
  }
}
