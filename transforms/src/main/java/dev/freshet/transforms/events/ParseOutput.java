package dev.freshet.transforms.events;

import java.util.function.Supplier;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.joda.time.Instant;

/**
 * Where a parsed record goes, for every parsing step of one source whatever the encoding: a valid
 * row to {@link ParseEvents#ROWS} re-stamped with its own event time, a failure to {@link
 * ParseEvents#DEAD} as a dead letter; counted as {@code <source>_in}, {@code <source>_valid},
 * {@code <source>_dead}, {@code <source>_dead_<REASON>} and {@code <source>_behind_record_time}.
 * Create in {@code @Setup}; not thread-safe (one per DoFn instance).
 */
final class ParseOutput {
  private final String source;
  private final String timeField;
  private final Counter in;
  private final Counter valid;
  private final DeadLetterCounter dead;
  private final Counter behindRecordTime;

  ParseOutput(String source, EventSchema schema) {
    this.source = source;
    this.timeField = schema.timeField();
    this.in = Metrics.counter(ParseEvents.METRICS_NAMESPACE, source + "_in");
    this.valid = Metrics.counter(ParseEvents.METRICS_NAMESPACE, source + "_valid");
    this.dead = new DeadLetterCounter(source);
    this.behindRecordTime =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, source + "_behind_record_time");
  }

  /** Counts one record read. */
  void in() {
    in.inc();
  }

  /**
   * Outputs {@code result}: its row at its event time, or its dead letter keeping {@code payload}
   * (asked for only then).
   */
  void emit(
      RecordParser.Result result,
      Instant recordTime,
      MultiOutputReceiver out,
      Supplier<String> payload) {
    if (result.ok()) {
      valid.inc();
      Instant time = result.row().getDateTime(timeField).toInstant();
      if (time.isBefore(recordTime)) {
        // Beam cannot move an element back in time: keep the record's (later) timestamp.
        behindRecordTime.inc();
        out.get(ParseEvents.ROWS).output(result.row());
      } else {
        out.get(ParseEvents.ROWS).outputWithTimestamp(result.row(), time);
      }
    } else {
      dead.count(result.reason());
      out.get(ParseEvents.DEAD).output(ParseEvents.deadLetter(source, result, payload.get()));
    }
  }
}
