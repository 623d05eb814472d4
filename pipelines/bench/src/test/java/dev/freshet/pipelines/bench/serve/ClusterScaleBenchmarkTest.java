package dev.freshet.pipelines.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.Test;
import picocli.CommandLine;

/** The command line only: a run needs the local cluster (minutes), so it is not a test. */
public class ClusterScaleBenchmarkTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = new CommandLine(new ClusterScaleBenchmark());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  public void helpNamesTheOptions() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("--parallelisms", "--events", "--partitions", "--checkpointingInterval");
  }

  @Test
  public void aParallelismBeyondTheClustersSlotsIsRefusedNamingTheOption() {
    assertThat(run("--parallelisms=1,5")).isEqualTo(2);
    assertThat(err.toString()).contains("--parallelisms").contains("got 5");
  }

  @Test
  public void badCountsAreRefusedNamingTheOption() {
    assertThat(run("--events=0")).isEqualTo(2);
    assertThat(err.toString()).contains("--events must be 1 or more, got 0");
    assertThat(run("--slots=0")).isEqualTo(2);
    assertThat(err.toString()).contains("--slots must be 1 or more, got 0");
    assertThat(run("--slots=2", "--parallelisms=5")).isEqualTo(2);
    assertThat(err.toString()).contains("each must be 1 to 4");
    assertThat(run("--metricsWaitSeconds=-1")).isEqualTo(2);
    assertThat(err.toString()).contains("--metricsWaitSeconds");
  }
}
