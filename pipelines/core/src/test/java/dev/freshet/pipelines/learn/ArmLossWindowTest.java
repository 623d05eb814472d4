package dev.freshet.pipelines.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.model.metrics.BinaryMetrics;
import org.junit.Test;

public class ArmLossWindowTest {
  @Test
  public void reportsTheRunningLossUntilAWindowIsFullThenTheLatestFullWindow() {
    ArmLossWindow window = new ArmLossWindow(4);
    assertThat(window.report()).isNull();

    window.add(0.9, true);
    window.add(0.1, false);
    BinaryMetrics running = window.report();
    assertThat(running.examples()).isEqualTo(2);
    assertThat(running.logLoss()).isCloseTo(-Math.log(0.9), within(1e-9));

    window.add(0.9, true);
    window.add(0.1, false);
    BinaryMetrics full = window.report();
    assertThat(full.examples()).isEqualTo(4);
    // Base rate 1/2: NE is the log loss over ln 2.
    assertThat(full.normalizedEntropy()).isCloseTo(-Math.log(0.9) / Math.log(2), within(1e-9));

    // A worse arm: the report keeps the last full window until the next one fills.
    for (int i = 0; i < 3; i++) {
      window.add(0.5, i % 2 == 0);
      assertThat(window.report()).isSameAs(full);
    }
    window.add(0.5, false);
    assertThat(window.report().logLoss()).isCloseTo(Math.log(2), within(1e-9));
  }
}
