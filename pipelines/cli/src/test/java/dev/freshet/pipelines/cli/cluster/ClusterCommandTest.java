package dev.freshet.pipelines.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import picocli.CommandLine;

/**
 * {@code freshet cluster} without starting a cluster: bad options fail naming the option, {@code
 * status} and {@code down} where nothing was started say so and what to do, a dead process recorded
 * in {@code cluster.json} is reported as dead, and the class path split keeps Freshet, Beam and
 * Kafka off the cluster's processes.
 */
public class ClusterCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void badOptionsFailNamingTheOption() throws Exception {
    Path dir = tmp.newFolder("c").toPath();
    Result r = run("up", "--dir=" + dir, "--brokers=2");
    assertThat(r.exit).isNotZero();
    assertThat(r.err).contains("--brokers must be 1 or 3, got 2");
    assertThat(dir.resolve(LocalCluster.STATE_FILE)).doesNotExist();
  }

  @Test
  public void statusAndDownWhereNoClusterWasStartedSaySo() throws Exception {
    Path dir = tmp.newFolder("none").toPath();
    for (String command : List.of("status", "down")) {
      Result r = run(command, "--dir=" + dir);
      assertThat(r.exit).as(command).isEqualTo(1);
      assertThat(r.err).as(command).contains("no cluster recorded in").contains("cluster up");
    }
  }

  @Test
  public void aRecordedProcessThatIsGoneIsReportedDead() throws Exception {
    Path dir = tmp.newFolder("dead").toPath();
    Process p = new ProcessBuilder("true").start();
    long pid = p.pid();
    p.waitFor();
    Files.writeString(
        dir.resolve(LocalCluster.STATE_FILE),
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsString(
                new LocalCluster.State(
                    "http://localhost:1",
                    "localhost:1",
                    "127.0.0.1:1",
                    1,
                    List.of(
                        new ClusterProcess(
                            "taskmanager-1", pid, 0, List.of("true"), "tm.log", Map.of())))));
    Result status = run("status", "--dir=" + dir);
    assertThat(status.exit).isEqualTo(1);
    assertThat(status.out).contains("taskmanager-1").contains("DEAD").contains("not answering");
    Result down = run("down", "--dir=" + dir);
    assertThat(down.exit).isZero();
    assertThat(down.out).contains("taskmanager-1 (pid " + pid + ")").contains("not running");
  }

  @Test
  public void theClusterProcessesGetFlinkAndDjlButNotTheJobsCode() {
    assertThat(ClusterClasspath.isJob("/r/org/apache/flink/flink-runtime/1.19.0/x.jar")).isFalse();
    assertThat(ClusterClasspath.isJob("/r/ai/djl/api/0.36.0/api-0.36.0.jar")).isFalse();
    assertThat(ClusterClasspath.isJob("/r/org/apache/beam/beam-sdks-java-core/2.62.0/x.jar"))
        .isTrue();
    assertThat(ClusterClasspath.isJob("/r/org/apache/kafka/kafka-clients/3.9.1/x.jar")).isTrue();
    assertThat(
            ClusterClasspath.isJob("/r/com/fasterxml/jackson/core/jackson-databind/2.15.4/x.jar"))
        .isTrue();
    assertThat(ClusterClasspath.isJob("/w/pipelines/core/target/freshet-pipelines-0.1.0.jar"))
        .isTrue();
    assertThat(ClusterClasspath.jobFiles()).isNotEmpty();
  }

  private record Result(int exit, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      CommandLine cl = new CommandLine(new ClusterCommand());
      cl.setErr(new java.io.PrintWriter(System.err, true));
      cl.setExecutionExceptionHandler(
          (e, c, parsed) -> {
            System.err.println("error: " + e.getMessage());
            return 2;
          });
      exit = cl.execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
