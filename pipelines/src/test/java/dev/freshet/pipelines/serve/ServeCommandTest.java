package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.Test;

/** The runner defaults serve adds: chosen by the runner the options name, never over the user's. */
public class ServeCommandTest {
  @Test
  public void flinkGetsTheLatencyDefaultsHoweverTheRunnerIsNamed() {
    for (String runner :
        new String[] {
          "--runner=FlinkRunner", "--runner=org.apache.beam.runners.flink.FlinkRunner"
        }) {
      assertThat(ServeCommand.withRunnerDefaults(runner))
          .containsAll(ServeCommand.FLINK_LATENCY_DEFAULTS)
          .doesNotContainAnyElementsOf(ServeCommand.DIRECT_DEFAULTS);
    }
  }

  @Test
  public void theDirectRunnerIsTheDefaultAndAGivenValueWins() {
    assertThat(ServeCommand.withRunnerDefaults())
        .containsExactlyElementsOf(ServeCommand.DIRECT_DEFAULTS);
    assertThat(ServeCommand.withRunnerDefaults("--runner=FlinkRunner", "--maxBundleTimeMills=1000"))
        .contains("--maxBundleTimeMills=1000")
        .doesNotContain("--maxBundleTimeMills=20");
  }
}
