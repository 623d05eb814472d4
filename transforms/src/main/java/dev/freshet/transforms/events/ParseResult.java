package dev.freshet.transforms.events;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/** The two outputs of parsing: valid rows (stamped with event time) and dead letters. */
public final class ParseResult implements POutput {
  private final Pipeline pipeline;
  private final PCollection<Row> rows;
  private final PCollection<DeadLetter> deadLetters;

  ParseResult(Pipeline pipeline, PCollection<Row> rows, PCollection<DeadLetter> deadLetters) {
    this.pipeline = pipeline;
    this.rows = rows;
    this.deadLetters = deadLetters;
  }

  /** Builds a result from rows and dead letters produced elsewhere (an Avro or Parquet reader). */
  public static ParseResult of(PCollection<Row> rows, PCollection<DeadLetter> deadLetters) {
    return new ParseResult(rows.getPipeline(), rows, deadLetters);
  }

  public PCollection<Row> rows() {
    return rows;
  }

  public PCollection<DeadLetter> deadLetters() {
    return deadLetters;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(ParseEvents.ROWS, rows, ParseEvents.DEAD, deadLetters);
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
