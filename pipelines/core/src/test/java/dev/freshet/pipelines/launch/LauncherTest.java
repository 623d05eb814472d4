package dev.freshet.pipelines.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.Assume.assumeTrue;

import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
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

  @Test
  public void aFlinkJobThatCanBeRestoredReadsKafkaAsASplittableDoFn() {
    assertThat(Launcher.withRunnerDefaults("--runner=FlinkRunner", "--checkpointingInterval=2000"))
        .contains("--experiments=" + Launcher.SDF_READS);
    assertThat(Launcher.withExactRestores("--runner=FlinkRunner", "--savepointPath=/s/savepoint-1"))
        .contains("--experiments=" + Launcher.SDF_READS);
    // Given experiments are kept: the repeated option adds to them.
    String[] withOthers =
        Launcher.withRunnerDefaults(
            "--runner=FlinkRunner", "--checkpointingInterval=2000", "--experiments=a,b");
    assertThat(
            PipelineOptionsFactory.fromArgs(withOthers)
                .withoutStrictParsing()
                .as(ExperimentalOptions.class)
                .getExperiments())
        .containsExactlyInAnyOrder("a", "b", Launcher.SDF_READS);
    // Already there: not added twice.
    assertThat(
            Launcher.withRunnerDefaults(
                "--runner=FlinkRunner",
                "--checkpointingInterval=2000",
                "--experiments=beam_fn_api"))
        .containsOnlyOnce("--experiments=beam_fn_api");
  }

  @Test
  public void splittableReadsAreTheRestorableFlinkJobs() {
    assertThat(splittable("--runner=FlinkRunner", "--checkpointingInterval=2000")).isTrue();
    assertThat(splittable("--runner=FlinkRunner")).isFalse();
    assertThat(splittable("--runner=DirectRunner", "--experiments=" + Launcher.SDF_READS))
        .isFalse();
  }

  private static boolean splittable(String... args) {
    return Launcher.splittableKafkaReads(
        PipelineOptionsFactory.fromArgs(Launcher.withRunnerDefaults(args))
            .withoutStrictParsing()
            .create());
  }

  /** The embedded cluster's default checkpoint storage (5 MB of JobManager memory) is named. */
  @Test
  public void checkpointsOnAnEmbeddedClusterWithoutAStoragePathAreFlagged() {
    assertThat(flagged("--runner=FlinkRunner", "--checkpointingInterval=2000")).isTrue();
    assertThat(
            flagged(
                "--runner=FlinkRunner",
                "--checkpointingInterval=2000",
                "--flinkMaster=[local]",
                "--stateBackend=filesystem",
                "--stateBackendStoragePath=file:///tmp/checkpoints"))
        .isFalse();
    assertThat(
            flagged(
                "--runner=FlinkRunner",
                "--checkpointingInterval=2000",
                "--flinkConfDir=/etc/flink"))
        .isFalse();
    // A cluster has its own storage, from its configuration.
    assertThat(
            flagged(
                "--runner=FlinkRunner", "--checkpointingInterval=2000", "--flinkMaster=jm:8081"))
        .isFalse();
    assertThat(flagged("--runner=FlinkRunner")).isFalse();
  }

  private static boolean flagged(String... args) {
    assumeTrue(System.getenv("FLINK_CONF_DIR") == null);
    return Launcher.checkpointsInJobManagerMemory(
        PipelineOptionsFactory.fromArgs(args).withoutStrictParsing().create());
  }

  @Test
  public void jobsThatCannotBeRestoredKeepTheFasterSource() {
    assertThat(Launcher.withRunnerDefaults("--runner=FlinkRunner"))
        .noneMatch(a -> a.startsWith("--experiments"));
    assertThat(Launcher.withRunnerDefaults("--checkpointingInterval=2000"))
        .noneMatch(a -> a.startsWith("--experiments"));
  }
}
