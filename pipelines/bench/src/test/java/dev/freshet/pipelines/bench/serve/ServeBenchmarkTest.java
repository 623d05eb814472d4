package dev.freshet.pipelines.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.Test;
import picocli.CommandLine;

/** The command line only: a run needs a broker and a runner per system (minutes). */
public class ServeBenchmarkTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = new CommandLine(new ServeBenchmark());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  public void helpNamesThePartitions() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--partitions", "--systems", "--rates");
  }

  @Test
  public void noPartitionsIsRefusedNamingTheOption() {
    assertThat(run("--partitions=0")).isNotZero();
    assertThat(err.toString()).contains("--partitions must be 1 or more, got 0");
  }
}
