package dev.freshet.pipelines.bench.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.Assume.assumeTrue;

import ai.djl.engine.Engine;
import dev.freshet.model.DeviceOption;
import dev.freshet.model.GpuDiagnosis;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;
import picocli.CommandLine;

public class ModelBenchmarkTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd =
        ModelBenchmark.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8));
    cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void helpDocumentsTheDevices() {
    assertThat(run("--help")).isZero();
    assertThat(out()).contains("--device", "cpu, gpu or auto", "--sections", "runners/gpu/run.sh");
  }

  @Test
  public void devicesAreAListReadLikeTheOtherCommands() {
    ModelBenchmark benchmark = new ModelBenchmark(System.out);
    new CommandLine(benchmark).parseArgs("--device=GPU,cpu");
    assertThat(benchmark.devices).containsExactly(DeviceOption.GPU, DeviceOption.CPU);
    assertThat(run("--device=tpu")).isEqualTo(2);
    assertThat(err.toString()).contains("cpu, gpu, auto");
  }

  @Test
  public void gpuWithoutOneStopsBeforeMeasuringAndSaysWhatIsMissing() {
    assumeTrue("machine has no GPU", Engine.getInstance().getGpuCount() == 0);
    assertThat(run("--device=cpu,gpu")).isEqualTo(2);
    assertThat(err.toString()).contains("device option 'gpu'", GpuDiagnosis.SCRIPT);
    assertThat(out()).isEmpty();
  }

  @Test
  public void seededTrainingTwiceOnTheCpuScoresTheHoldoutIdentically() {
    int status =
        run(
            "--device=cpu,cpu",
            "--sections=holdout",
            "--holdoutTrain=2000",
            "--holdout=500",
            "--epochs=1");
    assertThat(status).isZero();
    assertThat(out())
        .contains("Engine PyTorch", "flavour cpu (CPU build)", "GPUs visible: 0")
        .contains("| device | train s | holdout AUC |")
        .contains("Holdout scores, cpu against cpu: 500 scores, max |diff| 0.000e+00")
        .contains("decisions at 0.5 that differ: 0")
        .doesNotContain("Training throughput");
  }

  @Test
  public void scoreComparisonCountsDifferencesAndFlippedDecisions() {
    ScoreComparison c =
        ScoreComparison.of(new float[] {0.1f, 0.49f, 0.9f}, new float[] {0.1f, 0.51f, 0.8f});
    assertThat(c.scores()).isEqualTo(3);
    assertThat(c.maxDiff()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(c.meanDiff()).isCloseTo(0.04, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(c.decisionsDiffer()).isEqualTo(1);
    assertThat(List.of(ScoreComparison.of(new float[0], new float[0]).meanDiff()))
        .containsExactly(0.0);
  }
}
