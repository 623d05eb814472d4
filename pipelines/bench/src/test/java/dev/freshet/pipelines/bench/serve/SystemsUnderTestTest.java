package dev.freshet.pipelines.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.util.List;
import org.junit.Test;

public class SystemsUnderTestTest {
  private final SystemsUnderTest systems =
      new SystemsUnderTest(
          null, null, List.of(), -1, List.of(), List.of(), new PrintStream(System.err, true));

  @Test
  public void checkpointsAreReadFromTheIntervalWhicheverRunnerTheArgumentsAlreadyName() {
    assertThat(SystemsUnderTest.checkpoints(List.of("--checkpointingInterval=2000"))).isTrue();
    assertThat(
            SystemsUnderTest.checkpoints(
                List.of(
                    "--runner=FlinkRunner",
                    "--flinkMaster=[local]",
                    "--checkpointingInterval=2000")))
        .isTrue();
    assertThat(SystemsUnderTest.checkpoints(List.of("--checkpointingInterval=-1"))).isFalse();
    assertThat(SystemsUnderTest.checkpoints(List.of("--runner=FlinkRunner"))).isFalse();
  }

  @Test
  public void checkpointingSystemsKeepTheirCheckpointsOnDiskNotInTheJobManagersMemory() {
    for (String system : SystemsUnderTest.FLINK_VARIANTS.keySet()) {
      boolean checkpointing =
          SystemsUnderTest.checkpoints(SystemsUnderTest.FLINK_VARIANTS.get(system));
      assertThat(systems.describe(system).contains("--stateBackend=filesystem"))
          .as(systems.describe(system))
          .isEqualTo(checkpointing);
    }
    assertThat(systems.describe("flink-checkpoints"))
        .contains("--stateBackendStoragePath=<work>/checkpoints");
    assertThat(systems.describe(SystemsUnderTest.FLINK)).doesNotContain("--stateBackend");
  }
}
