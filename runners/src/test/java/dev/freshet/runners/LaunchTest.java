package dev.freshet.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** The worker jar's main class: the pipelines a cluster runs, with the command line's checks. */
public class LaunchTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int launch(String... args) throws Exception {
    return Launch.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  public void listsThePipelinesItLaunches() throws Exception {
    assertThat(launch("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Pipelines: archive, learn, serve, train");
    assertThat(launch()).isEqualTo(2);
  }

  @Test
  public void eachPipelinePrintsItsOwnOptions() throws Exception {
    assertThat(launch("serve", "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Usage: freshet serve")
        .contains("--bootstrapServers")
        .contains("--maxBundleTimeMills=20");
  }

  @Test
  public void anUnknownPipelineOrABadOptionIsRefusedWithWhatToDo() throws Exception {
    assertThat(launch("features")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown pipeline 'features'");
    err.reset();
    assertThat(launch("serve", "--threshold=2", "--bootstrapServers=localhost:1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--threshold must be between 0 and 1");
  }
}
