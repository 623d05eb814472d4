package dev.freshet.pipelines.bench;

import java.lang.management.ManagementFactory;

/** CPU time a benchmark's JVM has used: the system under test, the broker and the harness. */
public final class ProcessCpu {
  private ProcessCpu() {}

  /** CPU nanoseconds used by this JVM so far, all threads. */
  public static long nanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
