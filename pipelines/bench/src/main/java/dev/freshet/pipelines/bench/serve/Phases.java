package dev.freshet.pipelines.bench.serve;

import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.bench.ProcessCpu;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The measurements of one running system, phase by phase (see {@link ServeBenchmark}): the vector
 * check, warm-up, latency at paced rates, swap delay and throughput from backlogs. Each phase waits
 * until its events were predicted before the next one starts.
 */
final class Phases {
  private static final Duration FIRST_PREDICTION_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration LOCKSTEP_TIMEOUT = Duration.ofSeconds(30);

  /** Warm-up waits while this many events are unanswered, so no system starts with a backlog. */
  private static final int WARMUP_MAX_OUTSTANDING = 200;

  private final String system;
  private final PredictionReader reader;
  private final Sender sender;
  private final Running running;
  private final int drainSeconds;
  private final PrintStream stderr;

  Phases(
      String system,
      PredictionReader reader,
      Sender sender,
      Running running,
      int drainSeconds,
      PrintStream stderr) {
    this.system = system;
    this.reader = reader;
    this.sender = sender;
    this.running = running;
    this.drainSeconds = drainSeconds;
    this.stderr = stderr;
  }

  /**
   * Sends {@code events} one at a time, each after the previous one's prediction arrived, so every
   * system sees the same per-key history. Records the start-up time (from {@code startNanos} to the
   * first prediction), the idle latency (first event excluded) and the vectors in {@code result}.
   */
  void verify(SystemResult result, int events, long startNanos) throws InterruptedException {
    Phase verify = new Phase("verify", true);
    for (int i = 0; i < events; i++) {
      sender.sendReplayed(verify, "verify-" + i);
      long received = i + 1;
      Duration timeout = i == 0 ? FIRST_PREDICTION_TIMEOUT : LOCKSTEP_TIMEOUT;
      if (!waitFor(() -> verify.received.get() >= received || running.failed(), timeout)) {
        throw new IllegalStateException(
            system + ": no prediction for verification event " + i + " within " + timeout);
      }
      running.check(system);
      if (i == 0) {
        result.startupSeconds = (verify.lastNanos - startNanos) / 1e9;
        log("first prediction %.1f s after start", result.startupSeconds);
        synchronized (verify) {
          verify.histogram.reset();
          verify.untilScored.reset();
        }
      }
    }
    result.verify = verify.summary(0, 0);
    result.vectors = verify.vectors;
    log("%s", result.verify.line("idle (1 at a time)"));
  }

  /** Uncounted traffic at up to {@code rate} for {@code seconds}, so the JIT compiler is done. */
  void warmUp(int rate, int seconds) throws InterruptedException {
    Phase warm = new Phase("warmup", false);
    log(
        "warm-up: %d events/s for %d s, at most %d unanswered",
        rate, seconds, WARMUP_MAX_OUTSTANDING);
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    double sent =
        sender.paced(
            warm,
            rate,
            (long) rate * seconds,
            WARMUP_MAX_OUTSTANDING,
            () -> System.nanoTime() > warmEnd,
            null);
    drain();
    log("%s", warm.summary(rate, sent).line("warm-up"));
  }

  /**
   * Latency at each of {@code rates} for {@code seconds}, added to {@code result}; once the system
   * saturates the remaining rates are skipped. Returns whether it saturated.
   */
  boolean latency(SystemResult result, List<Integer> rates, int seconds)
      throws InterruptedException {
    boolean saturated = false;
    for (int rate : rates) {
      if (saturated) {
        result.rates.add(RateResult.skipped(rate));
        continue;
      }
      Phase phase = new Phase("r" + rate, false);
      log("%d events/s for %d s...", rate, seconds);
      long cpu0 = ProcessCpu.nanos();
      double sent = sender.paced(phase, rate, (long) rate * seconds, 0, () -> false, null);
      // More than a second's worth of events unanswered when sending stops: not keeping up.
      long backlog = reader.outstanding();
      boolean drained = drain();
      RateResult r = phase.summary(rate, sent).withCpu(ProcessCpu.nanos() - cpu0);
      log("%s", r.line(rate + "/s"));
      if (!drained || backlog > rate) {
        r = r.asSaturated();
        saturated = true;
        log(
            "saturated at %d events/s (%,d events unanswered when sending stopped%s):"
                + " remaining rates skipped",
            rate, backlog, drained ? "" : ", not all answered " + drainSeconds + " s later");
      }
      result.rates.add(r);
    }
    return saturated;
  }

  /**
   * Promotes {@code version} after a second of traffic at {@code rate} and returns the ms until the
   * first prediction with it, or null if none came within 30 s.
   */
  Long swap(ModelRegistry registry, String version, int rate) throws InterruptedException {
    Phase phase = new Phase("swap", false);
    reader.watchVersion(version);
    long[] promotedAt = {0};
    long promoteAfter = rate; // one second of traffic first
    long max = (long) rate * 30;
    log("swap: promoting a second version while %d events/s flow...", rate);
    sender.paced(
        phase,
        rate,
        max,
        0,
        () ->
            promotedAt[0] != 0
                && reader.versionSeenNanos != 0
                && System.nanoTime() - reader.versionSeenNanos > 1_000_000_000L,
        i -> {
          if (i == promoteAfter) {
            promotedAt[0] = System.nanoTime();
            try {
              registry.promote(version);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
    Long millis = null;
    if (reader.versionSeenNanos == 0) {
      log("swap: no prediction with %s within %d s", version, max / rate);
    } else {
      millis = (reader.versionSeenNanos - promotedAt[0]) / 1_000_000;
      log("swap: first prediction with the new version %d ms after promote", millis);
    }
    drain();
    return millis;
  }

  /**
   * Works off {@code warmupRounds} backlogs of {@code events}, then {@code measuredRounds} counted
   * ones, added to {@code result}; stops after a backlog that was not answered in full within
   * {@code timeoutSeconds}.
   */
  void throughput(
      SystemResult result, int events, int warmupRounds, int measuredRounds, int timeoutSeconds)
      throws InterruptedException {
    for (int round = 1; round <= warmupRounds + measuredRounds; round++) {
      boolean counted = round > warmupRounds;
      String label =
          counted
              ? String.format(Locale.ROOT, "round %d of %d", round - warmupRounds, measuredRounds)
              : String.format(Locale.ROOT, "warm-up round %d of %d", round, warmupRounds);
      Throughput t =
          measureThroughput(
              label, (counted ? "tput" : "tput-warmup") + round, events, timeoutSeconds);
      if (counted) {
        result.throughputRounds.add(t);
      }
      if (t.received() < t.events()) {
        break;
      }
    }
  }

  private Throughput measureThroughput(
      String round, String phaseName, int events, int timeoutSeconds) throws InterruptedException {
    Phase phase = new Phase(phaseName, false);
    log("throughput, %s: producing a backlog of %,d events...", round, events);
    reader.armWindow();
    long cpu0 = ProcessCpu.nanos();
    long t0 = System.nanoTime();
    sender.backlog(phase, events);
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    waitFor(
        () -> phase.received.get() >= events || running.failed(),
        Duration.ofSeconds(timeoutSeconds));
    double[] window = reader.window();
    long cpu = ProcessCpu.nanos() - cpu0;
    long received = phase.received.get();
    Throughput t =
        new Throughput(
            events,
            received,
            (long) window[1],
            window[2],
            Throughput.secondsToLast(phase, t0),
            cpu / 1e3 / Math.max(1, (long) window[1] + 1));
    log(
        "throughput, %s: %,d of %,d backlog predictions; %,d predictions in %.2f s from"
            + " the first to the last: %,.0f events/s; worked off in %.2f s from the backlog's"
            + " start: %,.0f events/s; %.0f µs CPU per event (backlog produced in %.2f s)",
        round,
        received,
        events,
        t.counted(),
        t.seconds(),
        t.rate(),
        t.workedOffSeconds(),
        t.workedOffRate(),
        t.cpuMicrosPerEvent(),
        produceSeconds);
    return t;
  }

  /** Waits until every event sent so far was predicted; false if it did not happen in time. */
  private boolean drain() throws InterruptedException {
    boolean done =
        waitFor(
            () -> reader.outstanding() == 0 || running.failed(), Duration.ofSeconds(drainSeconds));
    running.check(system);
    return done;
  }

  private static boolean waitFor(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  /** A line on the log, prefixed with the system's name. */
  private void log(String format, Object... args) {
    stderr.println("[" + system + "] " + String.format(Locale.ROOT, format, args));
  }
}
