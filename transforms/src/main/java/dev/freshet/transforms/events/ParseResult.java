package dev.freshet.transforms.events;

import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/** The two outputs of parsing: valid rows (stamped with event time) and dead letters. */
public final class ParseResult extends WithDeadLetters<Row> {
  ParseResult(PCollection<Row> rows, PCollection<DeadLetter> deadLetters) {
    super(ParseEvents.ROWS, rows, ParseEvents.DEAD, deadLetters);
  }

  /** Builds a result from rows and dead letters produced elsewhere (an Avro or Parquet reader). */
  public static ParseResult of(PCollection<Row> rows, PCollection<DeadLetter> deadLetters) {
    return new ParseResult(rows, deadLetters);
  }

  public PCollection<Row> rows() {
    return output();
  }
}
