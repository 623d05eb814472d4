package dev.freshet.pipelines.cli.status;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.pipelines.cli.page.PageState;
import dev.freshet.pipelines.cli.page.PageState.Marker;
import dev.freshet.pipelines.cli.page.PageState.NePoint;
import dev.freshet.pipelines.cli.page.PageState.NeSeries;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The live page's state for {@code freshet status --http}: the loop's state as {@code status} reads
 * it and, from {@code model-events}, the decisions as markers and the online evidence the promoter
 * published with each of them (NE of production's arm and of the challenger's) over the time of the
 * decision. This command does not see the predictions: online NE over stream time, and throughput,
 * are {@code freshet run}'s page.
 */
final class StatusPage implements Supplier<PageState> {
  /** How often the state is read again at most (it reads model-events from its start). */
  private static final long READ_EVERY_NANOS = 2_000_000_000L;

  private final LoopStatusReader reader;
  private LoopStatusReader.@Nullable Reading last;
  private @Nullable String error;
  private long readNanos;

  StatusPage(LoopStatusReader reader) {
    this.reader = reader;
  }

  @Override
  public PageState get() {
    if (last == null || System.nanoTime() - readNanos > READ_EVERY_NANOS) {
      readNanos = System.nanoTime();
      try {
        last = reader.readWithEvents();
        error = null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error = "interrupted";
      } catch (Exception e) {
        error = "reading the loop's state failed: " + e.getMessage();
      }
    }
    List<ModelEvent> events = last == null || last.events() == null ? List.of() : last.events();
    Map<String, String> names = new LinkedHashMap<>();
    List<NePoint> points = new ArrayList<>();
    List<Marker> markers = new ArrayList<>();
    for (ModelEvent e : events) {
      if (e.is(Type.DRIFT) || e.is(Type.SWAPPED)) {
        continue;
      }
      String name = names.computeIfAbsent(e.version(), v -> "#" + (names.size() + 1));
      long at = e.at().toEpochMilli();
      ModelEvent.Online online = e.online();
      if (online != null) {
        points.add(
            new NePoint(
                at,
                at,
                online.other().labelled(),
                online.other().positives(),
                finite(online.base().ne()),
                finite(online.other().ne())));
      }
      String evidence = LoopStatusReader.reason(e);
      markers.add(
          new Marker(
              at,
              e.at(),
              e.type().json(),
              e.version(),
              name,
              name + " " + e.type().json() + (evidence == null ? "" : ": " + evidence)));
    }
    List<String> notes = new ArrayList<>();
    notes.add(
        "freshet status reads the registry and model-events, not the predictions: the points are"
            + " the online evidence published with each decision (production's arm and the"
            + " challenger's, on the same labelled traffic); freshet run's page draws NE over"
            + " stream time and throughput");
    return new PageState(
        "freshet status",
        Instant.now(),
        last == null ? null : last.status(),
        error,
        new NeSeries(
            "decision time (UTC, wall clock)",
            "production's arm at each online look",
            "the challenger judged at that look",
            points,
            0,
            0,
            events.isEmpty()
                ? "no decisions on model-events yet (or no --bootstrapServers): the points are the"
                    + " online evidence published with each promotion, rejection or roll-back"
                : "no online evidence on model-events yet: the promoter publishes it with each"
                    + " decision"),
        markers,
        null,
        null,
        null,
        notes);
  }

  private static @Nullable Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
