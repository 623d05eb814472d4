package dev.freshet.pipelines.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.Test;

public class ProcessCpuTest {
  @Test
  public void ticksAreUtimePlusStime() {
    String stat =
        "1861 (java) S 1817 1817 32727 0 -1 4194304 101 0 0 0 250 37 4 2 20 0 1 0 5238119"
            + " 3133440 412 18446744073709551615";
    assertThat(ProcessCpu.ticks(stat)).isEqualTo(287);
  }

  @Test
  public void aCommandNameWithSpacesAndParenthesesIsSkipped() {
    String stat = "42 (a (weird) name) R 1 42 42 0 -1 0 0 0 0 0 7 5 0 0 20 0 3 0 99 0 0";
    assertThat(ProcessCpu.ticks(stat)).isEqualTo(12);
  }

  @Test
  public void aLineThatIsNotAStatLineIsRefused() {
    assertThatThrownBy(() -> ProcessCpu.ticks("no parentheses here"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessCpu.ticks("1 (x) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too few fields");
  }

  @Test
  public void thisProcessHasUsedSomeCpu() {
    long pid = ProcessHandle.current().pid();
    // Linux only; elsewhere there is no /proc and the reading is empty.
    if (new java.io.File("/proc/self/stat").exists()) {
      assertThat(ProcessCpu.nanosOf(pid)).isPresent();
      assertThat(ProcessCpu.nanosOf(pid).getAsLong()).isPositive();
    }
  }
}
