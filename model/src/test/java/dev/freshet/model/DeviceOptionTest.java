package dev.freshet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.Assume.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.Test;

public class DeviceOptionTest {

  @Test
  public void gpuWithoutGpuFailsNamingTheOptionAndWhatIsMissing() {
    assertThatThrownBy(() -> DeviceOption.GPU.resolve(0, () -> "PYTORCH_FLAVOR is not set"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("device option 'gpu'")
        .hasMessageContaining("no GPU")
        .hasMessageEndingWith("PYTORCH_FLAVOR is not set");
  }

  @Test
  public void gpuWithoutGpuOnThisMachinePointsToTheScript() {
    assertThatThrownBy(() -> DeviceOption.GPU.resolve(0))
        .hasMessageContaining("device option 'gpu'")
        .hasMessageContaining(GpuDiagnosis.SCRIPT)
        .hasMessageNotContaining("pytorch-native on the class path");
  }

  @Test
  public void gpuOnThisMachineWithoutGpuFailsWhenTrainingIsRequested() {
    assumeTrue("machine has a GPU", Engine.getInstance().getGpuCount() == 0);
    ModelConfig config = ModelConfig.builder().device(DeviceOption.GPU).build();
    assertThatThrownBy(
            () ->
                dev.freshet.model.training.ClassifierTrainer.of(config)
                    .train(
                        SyntheticData.LAYOUT,
                        SyntheticData.generate(10, 1).features,
                        SyntheticData.generate(10, 1).labels))
        .hasMessageContaining("device option 'gpu'")
        .hasMessageContaining(GpuDiagnosis.SCRIPT);
  }

  @Test
  public void autoFallsBackToCpuAndPrefersGpu() {
    assertThat(DeviceOption.AUTO.resolve(0)).isEqualTo(Device.cpu());
    assertThat(DeviceOption.AUTO.resolve(2)).isEqualTo(Device.gpu());
    assertThat(DeviceOption.CPU.resolve(2)).isEqualTo(Device.cpu());
  }

  @Test
  public void parsesCaseInsensitivelyAndRejectsUnknown() {
    assertThat(DeviceOption.parse("GPU")).isEqualTo(DeviceOption.GPU);
    assertThat(DeviceOption.parse(" auto ")).isEqualTo(DeviceOption.AUTO);
    assertThatThrownBy(() -> DeviceOption.parse("tpu")).hasMessageContaining("cpu, gpu, auto");
  }
}
