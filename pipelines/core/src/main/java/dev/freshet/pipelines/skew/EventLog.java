package dev.freshet.pipelines.skew;

import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.io.FlightRecords;
import dev.freshet.pipelines.io.RecordFiles;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;

/**
 * An event log read into memory by the launching program, in event-time order, for the streaming
 * path of the skew check (a TestStream is built from the records it replays). Files are read
 * through Beam's file systems ({@link RecordFiles}: local, {@code gs://}, ...), JSON lines
 * (optionally compressed) or Parquet, and parsed by the same {@link RecordParser} as {@code
 * ParseEvents}; the records that do not parse are counted, as the bounded path turns them into dead
 * letters.
 */
public final class EventLog {
  /** Parsed events and outcomes in time order, and how many records did not parse. */
  public record Records(List<Row> events, List<Row> outcomes, long badEvents, long badOutcomes) {
    /**
     * The first {@code maxEvents} events in event time (0: all) and the outcomes known by the last
     * of them: more events at the same time as the last are kept, so the cut is a time, and both
     * paths see exactly the records up to it.
     */
    public Records upTo(int maxEvents, FeatureSpec spec) {
      if (maxEvents <= 0 || maxEvents >= events.size()) {
        return this;
      }
      long cutoff = time(events.get(maxEvents - 1), spec.events());
      return new Records(
          events.stream().filter(e -> time(e, spec.events()) <= cutoff).toList(),
          outcomes.stream().filter(o -> time(o, spec.outcomes()) <= cutoff).toList(),
          badEvents,
          badOutcomes);
    }

    /** The time of the last event, the cut of this log. */
    public long lastEventMillis(FeatureSpec spec) {
      return events.isEmpty() ? Long.MIN_VALUE : time(events.get(events.size() - 1), spec.events());
    }
  }

  private EventLog() {}

  /** Reads a domain's log: events and outcomes files, or the flights file holding both. */
  public static Records read(
      Domain domain, FeatureSpec spec, String eventsPattern, String outcomesPattern)
      throws IOException {
    RecordParser eventParser = new RecordParser(spec.events());
    RecordParser outcomeParser = new RecordParser(spec.outcomes());
    List<Row> events = new ArrayList<>();
    List<Row> outcomes = new ArrayList<>();
    long[] bad = new long[2];
    Consumer<String> onEvent = line -> parse(eventParser, line, events, bad, 0);
    Consumer<String> onOutcome = line -> parse(outcomeParser, line, outcomes, bad, 1);
    if (domain == Domain.FLIGHTS) {
      for (MatchResult.Metadata file : RecordFiles.match(eventsPattern)) {
        RecordFiles.forEachRow(
            file,
            r -> {
              KV<String, String> pair = FlightRecords.toJsonPair(r);
              onEvent.accept(pair.getKey());
              if (!pair.getValue().isEmpty()) {
                onOutcome.accept(pair.getValue());
              }
            });
      }
    } else {
      RecordFiles.forEachJson(eventsPattern, onEvent);
      if (outcomesPattern != null) {
        RecordFiles.forEachJson(outcomesPattern, onOutcome);
      }
    }
    events.sort(byTime(spec.events()));
    outcomes.sort(byTime(spec.outcomes()));
    return new Records(events, outcomes, bad[0], bad[1]);
  }

  private static void parse(
      RecordParser parser, String line, List<Row> into, long[] bad, int which) {
    if (line.isBlank()) {
      return;
    }
    RecordParser.Result r = parser.parseJson(line);
    if (r.ok()) {
      into.add(r.row());
    } else {
      bad[which]++;
    }
  }

  private static Comparator<Row> byTime(EventSchema schema) {
    return Comparator.<Row>comparingLong(r -> time(r, schema))
        .thenComparing(r -> r.getString(schema.idField()));
  }

  static long time(Row row, EventSchema schema) {
    return row.getDateTime(schema.timeField()).getMillis();
  }
}
