package dev.freshet.transforms.labels;

import dev.freshet.transforms.events.EventSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.Row;

/**
 * What became known about an event: its id, when the outcome became known (its own time, not the
 * event's), and whether it is positive (fraud, delayed, clicked).
 */
@DefaultCoder(Outcome.OutcomeCoder.class)
public record Outcome(String eventId, long timeMillis, boolean positive) {

  /** Reads an outcome from a row of an outcome schema (id, time and label roles). */
  public static Outcome fromRow(EventSchema schema, Row row) {
    Object label = row.getValue(schema.labelField());
    boolean positive =
        label instanceof Boolean b ? b : label != null && ((Number) label).doubleValue() != 0;
    return new Outcome(
        row.getString(schema.idField()), row.getDateTime(schema.timeField()).getMillis(), positive);
  }

  /** Deterministic coder for {@link Outcome}. */
  public static final class OutcomeCoder extends AtomicCoder<Outcome> {
    public static OutcomeCoder of() {
      return new OutcomeCoder();
    }

    @Override
    public void encode(Outcome value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.eventId(), out);
      VarLongCoder.of().encode(value.timeMillis(), out);
      BooleanCoder.of().encode(value.positive(), out);
    }

    @Override
    public Outcome decode(InputStream in) throws IOException {
      return new Outcome(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          BooleanCoder.of().decode(in));
    }
  }
}
