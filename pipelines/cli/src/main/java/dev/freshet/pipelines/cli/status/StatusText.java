package dev.freshet.pipelines.cli.status;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.pipelines.cli.models.ModelsCommand.Offline;
import dev.freshet.pipelines.cli.status.LoopStatus.Decision;
import dev.freshet.pipelines.cli.status.LoopStatus.Drift;
import dev.freshet.pipelines.cli.status.LoopStatus.PartitionLag;
import dev.freshet.pipelines.cli.status.LoopStatus.ServeLag;
import dev.freshet.pipelines.cli.status.LoopStatus.Version;
import java.io.PrintStream;
import java.util.Locale;

/** {@link LoopStatus} for a person: one section per part of the loop. */
final class StatusText {
  private StatusText() {}

  static void print(LoopStatus s, PrintStream out) {
    out.printf(
        "Freshet loop at %s: registry %s%s%n",
        s.checkedAt(),
        s.registry(),
        s.bootstrapServers() == null ? "" : ", brokers " + s.bootstrapServers());

    out.println();
    out.println("Production");
    version(s.production(), "since", out);

    out.println();
    out.println("Challenger");
    version(s.challenger(), "registered", out);

    out.println();
    out.printf("Last decisions (from %s, newest first)%n", s.decisionsFrom());
    if (s.decisions().isEmpty()) {
      out.println("  none");
    }
    for (Decision d : s.decisions()) {
      out.printf(
          "  %s  %-18s %-34s %s%s%n",
          d.at(),
          d.type(),
          d.version(),
          d.source() == null ? "" : "by " + d.source() + ": ",
          d.reason() == null ? "" : d.reason());
    }

    out.println();
    out.println("Drift of production (latest window per feature; * alerting)");
    if (s.drift() == null) {
      out.println("  needs --bootstrapServers (drift events on model-events)");
    } else if (s.drift().isEmpty()) {
      out.println("  no drift events for the production version");
    } else {
      out.printf(
          "    %-24s %8s %8s %10s  %-24s %s%n",
          "feature", "PSI", "KS", "threshold", "window end", "out of range");
      for (Drift d : s.drift()) {
        out.printf(
            Locale.ROOT,
            "  %s %-24s %8.4f %8s %10.4f  %-24s %s%n",
            d.alerting() ? "*" : " ",
            d.feature(),
            d.psi(),
            d.ks() == null ? "-" : String.format(Locale.ROOT, "%.4f", d.ks()),
            d.threshold(),
            d.windowEnd(),
            d.outOfRange() == null ? "-" : d.outOfRange());
      }
    }

    out.println();
    ServeLag lag = s.serveLag();
    if (lag == null) {
      out.println("Serve lag");
      out.println(
          s.bootstrapServers() == null
              ? "  needs --bootstrapServers (serve's consumer group offsets)"
              : "  unknown: no events topic");
    } else {
      out.printf("Serve lag (consumer group %s on %s)%n", lag.group(), lag.topic());
      for (PartitionLag p : lag.partitions()) {
        out.printf(
            Locale.ROOT,
            "  partition %d: end %,d, committed %s, lag %s%n",
            p.partition(),
            p.end(),
            p.committed() == null ? "none" : String.format(Locale.ROOT, "%,d", p.committed()),
            p.lag() == null ? "unknown" : String.format(Locale.ROOT, "%,d", p.lag()));
      }
      out.println(
          lag.total() == null
              ? "  total unknown: " + lag.unknownReason()
              : String.format(Locale.ROOT, "  total %,d", lag.total()));
    }

    if (!s.notes().isEmpty()) {
      out.println();
      s.notes().forEach(n -> out.println("note: " + n));
    }
  }

  private static void version(Version v, String sinceLabel, PrintStream out) {
    if (v == null) {
      out.println("  none");
      return;
    }
    out.printf("  %s, %s %s%n", v.version(), sinceLabel, v.since());
    if (v.reason() != null) {
      out.println("  why      " + v.reason());
    }
    Offline offline = v.offline();
    out.printf(
        "  offline  %s NE %s, AUC %s%n",
        offline.source(), offline.format(offline.ne()), offline.format(offline.auc()));
    ModelEvent.Online online = v.online();
    if (online == null) {
      out.println("  online   " + v.onlineNote());
    } else if (v.reason() == null || !v.reason().contains(online.describe())) {
      // A promotion records its evidence in the reason already; print newer evidence only.
      out.println("  online   " + online.describe());
    }
  }
}
