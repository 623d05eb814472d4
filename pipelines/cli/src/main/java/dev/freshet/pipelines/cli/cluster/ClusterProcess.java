package dev.freshet.pipelines.cli.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One process of a local cluster, as recorded in its state file: what it is ({@code jobmanager},
 * {@code taskmanager-1}, {@code broker-2}), its pid with the start time the kernel gives for it (so
 * that a pid reused by another process is never taken for it), the command that started it, its log
 * file and the ports it listens on.
 */
public record ClusterProcess(
    String name,
    long pid,
    long startedMillis,
    List<String> command,
    String log,
    Map<String, String> ports) {

  /**
   * Start times read by two JVMs may differ by the kernel's clock tick; a pid reused differs by far
   * more.
   */
  private static final long START_TOLERANCE_MILLIS = 1_000;

  /** Starts {@code command} with stdout and stderr appended to {@code log}; stdin is empty. */
  static ClusterProcess start(
      String name, List<String> command, Path log, Map<String, String> ports) throws IOException {
    Process process =
        new ProcessBuilder(command)
            .redirectInput(new File("/dev/null"))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    long started =
        process.info().startInstant().map(i -> i.toEpochMilli()).orElse(System.currentTimeMillis());
    return new ClusterProcess(
        name, process.pid(), started, List.copyOf(command), log.toString(), Map.copyOf(ports));
  }

  /** This process, while it runs: the pid alive and started when recorded (not a reused pid). */
  public Optional<ProcessHandle> handle() {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            h ->
                h.info()
                    .startInstant()
                    .map(i -> Math.abs(i.toEpochMilli() - startedMillis) <= START_TOLERANCE_MILLIS)
                    .orElse(false));
  }

  public boolean alive() {
    return handle().isPresent();
  }

  /** SIGKILL, then waits until the process is gone; false when it was not running. */
  public boolean kill() throws InterruptedException {
    Optional<ProcessHandle> h = handle();
    if (h.isEmpty()) {
      return false;
    }
    h.get().destroyForcibly();
    awaitExit(h.get(), Duration.ofSeconds(30));
    return true;
  }

  /**
   * SIGTERM, and SIGKILL if it is still running after {@code grace}; returns how it ended: {@code
   * "not running"}, {@code "stopped"} or {@code "killed after <grace>"}.
   */
  public String stop(Duration grace) throws InterruptedException {
    Optional<ProcessHandle> h = terminate();
    return h.isEmpty() ? "not running" : awaitStopped(h.get(), grace);
  }

  /** SIGTERM; the process it went to, empty when it was not running. */
  Optional<ProcessHandle> terminate() {
    Optional<ProcessHandle> h = handle();
    h.ifPresent(ProcessHandle::destroy);
    return h;
  }

  /** Waits {@code grace} for a process sent SIGTERM to exit, then SIGKILL; says which it was. */
  static String awaitStopped(ProcessHandle h, Duration grace) throws InterruptedException {
    if (awaitExit(h, grace)) {
      return "stopped";
    }
    h.destroyForcibly();
    awaitExit(h, Duration.ofSeconds(30));
    return "killed (SIGKILL) after " + grace.toSeconds() + " s";
  }

  private static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
    try {
      h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !h.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !h.isAlive();
    }
  }
}
