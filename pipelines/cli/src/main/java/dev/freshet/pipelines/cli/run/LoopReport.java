package dev.freshet.pipelines.cli.run;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Type;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The continual-learning loop as {@code freshet run} saw it on {@code model-events}: candidates,
 * rejections, promotions and roll-backs, each with the wall-clock time it arrived and how far the
 * served stream had got (the latest event time among the predictions read back). Versions get short
 * names in order of appearance ({@code #1} is the trained model).
 */
final class LoopReport {
  /** One decision of the loop, where it happened in wall-clock and stream time. */
  record Decision(Type type, String version, long wallMillis, long streamMillis, ModelEvent event) {
    boolean changedProduction() {
      return type == Type.PROMOTED || type == Type.ROLLED_BACK;
    }
  }

  private final Map<String, Integer> numbers = new LinkedHashMap<>();
  private final List<Decision> decisions = new ArrayList<>();
  private int candidates;
  private int rejectedOffline;
  private int rejectedOnline;
  private String production;

  /**
   * Offline rejections in a row of copies from the same version: after the first, they are counted
   * rather than printed (a copy that fails the gate trains on and is judged again every few
   * micro-batches).
   */
  private String offlineRejectedFrom;

  private int offlineRejectedQuietly;

  LoopReport(String initialProduction) {
    this.production = initialProduction;
    name(initialProduction);
  }

  /** {@code #n}: the n-th version this run saw. */
  synchronized String name(String version) {
    return "#" + numbers.computeIfAbsent(version, v -> numbers.size() + 1);
  }

  /**
   * Records one model event and returns what to print about it; events of other kinds (the first
   * registration, swaps reported by serve) are not the loop's decisions and print nothing.
   */
  synchronized Optional<String> record(ModelEvent event, long wallMillis, long streamMillis) {
    Type type = event.type();
    String version = event.version();
    String where =
        String.format(
            "  [%6.1f s | stream %s] ",
            wallMillis / 1000.0,
            Instant.ofEpochMilli(streamMillis).truncatedTo(ChronoUnit.MINUTES));
    boolean offlineRejection = type == Type.CANDIDATE_REJECTED && event.online() == null;
    String repeated = "";
    if (offlineRejection && version.equals(offlineRejectedFrom)) {
      rejectedOffline++;
      offlineRejectedQuietly++;
      return Optional.empty();
    }
    if (offlineRejectedQuietly > 0 && isDecision(type)) {
      repeated =
          String.format(
              "  (and %d more copies from %s rejected by the offline gate)%n",
              offlineRejectedQuietly, name(offlineRejectedFrom));
    }
    if (isDecision(type)) {
      offlineRejectedFrom = offlineRejection ? version : null;
      offlineRejectedQuietly = 0;
    }
    String line;
    switch (type) {
      case CANDIDATE -> {
        candidates++;
        ModelEvent.SmokeTest smoke = event.smokeTest();
        line =
            String.format(
                "candidate %s (from %s) passed the offline gate: smoke-test NE %.4f, production's"
                    + " %.4f; %,d examples learnt",
                name(version),
                name(event.parent()),
                smoke.candidateNe(),
                smoke.productionNe(),
                event.examples());
      }
      case CANDIDATE_REJECTED -> {
        boolean online = event.online() != null;
        if (online) {
          rejectedOnline++;
        } else {
          rejectedOffline++;
        }
        line =
            String.format(
                "%s %s %s: %s%s",
                online ? "candidate" : "a candidate from",
                name(version),
                online ? "rejected by the online gate" : "rejected by the offline gate",
                event.reason().replaceFirst("^online: ", ""),
                online ? "\n" + evidence(event) : "");
      }
      case PROMOTED -> {
        production = version;
        line =
            String.format(
                "PROMOTED %s over %s:%n%s", name(version), name(event.previous()), evidence(event));
      }
      case ROLLED_BACK -> {
        production = event.restored();
        line =
            String.format(
                "ROLLED BACK %s to %s:%n%s", name(version), name(production), evidence(event));
      }
      default -> {
        return Optional.empty();
      }
    }
    decisions.add(new Decision(type, version, wallMillis, streamMillis, event));
    return Optional.of(repeated + where + line);
  }

  private static boolean isDecision(Type type) {
    return type == Type.CANDIDATE
        || type == Type.CANDIDATE_REJECTED
        || type == Type.PROMOTED
        || type == Type.ROLLED_BACK;
  }

  /** Both arms' online record and the test, one line each. */
  private String evidence(ModelEvent event) {
    ModelEvent.Online online = event.online();
    boolean rollBack = event.is(Type.ROLLED_BACK);
    ModelEvent.Test test = online.test();
    return arm(rollBack ? "predecessor" : "production", online.base())
        + arm(rollBack ? "promoted" : "challenger", online.other())
        + String.format(
            "        %s: z %.2f against %.2f at look %d of %d (alpha %.2f)",
            test.rule(), test.z(), test.threshold(), test.look(), test.looks(), test.alpha());
  }

  private String arm(String role, ModelEvent.Arm a) {
    return String.format(
        "        %-11s %-4s %,6d labelled (%,4d positive)  log loss %.4f  NE %.4f"
            + "  AUC %.4f  calibration %.2f%n",
        role,
        name(a.version()),
        a.labelled(),
        a.positives(),
        a.logLoss(),
        a.ne(),
        a.auc(),
        a.calibration());
  }

  synchronized List<Decision> decisions() {
    return List.copyOf(decisions);
  }

  /** The first promotion at or after {@code streamMillis} in stream time. */
  synchronized Optional<Decision> firstPromotionAfter(long streamMillis) {
    return decisions.stream()
        .filter(d -> d.type() == Type.PROMOTED && d.streamMillis() >= streamMillis)
        .findFirst();
  }

  synchronized String production() {
    return production;
  }

  /** One line: candidates, rejections and promotions so far. */
  synchronized String counts() {
    long promotions = decisions.stream().filter(d -> d.type() == Type.PROMOTED).count();
    long rollbacks = decisions.stream().filter(d -> d.type() == Type.ROLLED_BACK).count();
    return String.format(
        "candidates %d (rejected offline %d, online %d), promotions %d, roll-backs %d",
        candidates, rejectedOffline, rejectedOnline, promotions, rollbacks);
  }
}
