package dev.freshet.pipelines.launch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.Test;

/** The runner defaults serve adds: chosen by the runner the options name, never over the user's. */
public class LauncherTest {
  @Test
  public void flinkGetsTheLatencyDefaultsHoweverTheRunnerIsNamed() {
    for (String runner :
        new String[] {
          "--runner=FlinkRunner", "--runner=org.apache.beam.runners.flink.FlinkRunner"
        }) {
      assertThat(Launcher.withRunnerDefaults(runner))
          .containsAll(Launcher.FLINK_LATENCY_DEFAULTS)
          .doesNotContainAnyElementsOf(Launcher.DIRECT_DEFAULTS);
    }
  }

  @Test
  public void theDirectRunnerIsTheDefaultAndAGivenValueWins() {
    assertThat(Launcher.withRunnerDefaults()).containsExactlyElementsOf(Launcher.DIRECT_DEFAULTS);
    assertThat(Launcher.withRunnerDefaults("--runner=FlinkRunner", "--maxBundleTimeMills=1000"))
        .contains("--maxBundleTimeMills=1000")
        .doesNotContain("--maxBundleTimeMills=20");
  }
}
