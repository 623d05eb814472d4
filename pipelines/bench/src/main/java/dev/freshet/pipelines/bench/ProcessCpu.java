package dev.freshet.pipelines.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time a benchmark's JVM has used (the system under test, the broker and the harness), or
 * another process on this machine, read from Linux's {@code /proc/<pid>/stat}.
 */
public final class ProcessCpu {
  /** Linux's USER_HZ: the unit of {@code /proc/<pid>/stat}'s times, 100 on every common kernel. */
  private static final long TICKS_PER_SECOND = ticksPerSecond();

  private ProcessCpu() {}

  /** CPU nanoseconds used by this JVM so far, all threads. */
  public static long nanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * CPU nanoseconds (user + system) process {@code pid} has used so far, all threads; empty when it
   * is gone or {@code /proc} cannot be read. Resolution: one clock tick (10 ms).
   */
  public static OptionalLong nanosOf(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      return OptionalLong.of(ticks(stat) * 1_000_000_000L / TICKS_PER_SECOND);
    } catch (IOException | IllegalArgumentException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * utime + stime, in clock ticks, of a {@code /proc/<pid>/stat} line. The command name (field 2)
   * is in parentheses and may itself hold spaces and parentheses, so the fields are counted from
   * the last ')': utime and stime are fields 14 and 15 of the line.
   */
  public static long ticks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
    }
    // After ") ": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
    String[] fields = stat.substring(close + 1).trim().split("\\s+");
    if (fields.length < 13) {
      throw new IllegalArgumentException("too few fields in /proc/<pid>/stat line: " + stat);
    }
    try {
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("utime/stime not numbers in: " + stat, e);
    }
  }

  /** {@code getconf CLK_TCK}, or 100 (Linux's USER_HZ on every common kernel) if it fails. */
  private static long ticksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0) {
        long hz = Long.parseLong(out);
        if (hz > 0) {
          return hz;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }
}
