package dev.freshet.pipelines.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.Test;

public class ThroughputTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  public void theWorkedOffRateCountsTheWaitForTheFirstPrediction() {
    // A system that holds its output until a checkpoint: nothing for 4 s, then the whole backlog
    // of 1,000 events in the fifth second.
    long start = 7 * SECOND;
    Phase phase = new Phase("backlog", false);
    phase.lastNanos = start + 5 * SECOND;
    Throughput t =
        new Throughput(1_000, 1_000, 999, 1.0, Throughput.secondsToLast(phase, start), 100);

    assertThat(t.workedOffSeconds()).isCloseTo(5.0, within(1e-9));
    assertThat(t.rate()).isCloseTo(999.0, within(1e-9));
    assertThat(t.workedOffRate()).isCloseTo(200.0, within(1e-9));
  }

  @Test
  public void aBacklogWithNoPredictionHasNoRate() {
    Throughput t =
        new Throughput(1_000, 0, 0, 0, Throughput.secondsToLast(new Phase("none", false), 0), 0);

    assertThat(t.workedOffSeconds()).isZero();
    assertThat(t.rate()).isZero();
    assertThat(t.workedOffRate()).isZero();
  }
}
