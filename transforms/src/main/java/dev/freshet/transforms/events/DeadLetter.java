package dev.freshet.transforms.events;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A record that could not be used, with the reason, kept so that nothing is lost.
 *
 * <p>{@code payload} is the raw record as received (cut to {@link #MAX_PAYLOAD_CHARS} characters
 * for oversized records, so that a dead-letter topic never receives a record larger than its
 * input), {@code source} names the stream it came from and {@code detail} says what was wrong in
 * words a person can act on.
 */
@DefaultCoder(DeadLetter.DeadLetterCoder.class)
public record DeadLetter(
    String source, DeadLetterReason reason, String detail, String payload, long timeMillis) {
  /** Oversized payloads are kept up to this many characters. */
  public static final int MAX_PAYLOAD_CHARS = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  public DeadLetter {
    requireNonNull(source, "source");
    requireNonNull(reason, "reason");
    requireNonNull(detail, "detail");
    payload = payload == null ? "" : payload;
  }

  /** The dead letter as one JSON object, the format written to the dead-letters topic. */
  public String toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", source);
    node.put("reason", reason.name());
    node.put("detail", detail);
    node.put("payload", payload);
    node.put("time_millis", timeMillis);
    return node.toString();
  }

  /** Deterministic coder for {@link DeadLetter}. */
  public static final class DeadLetterCoder extends AtomicCoder<DeadLetter> {
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    public static DeadLetterCoder of() {
      return new DeadLetterCoder();
    }

    @Override
    public void encode(DeadLetter value, OutputStream out) throws IOException {
      STRING.encode(value.source(), out);
      STRING.encode(value.reason().name(), out);
      STRING.encode(value.detail(), out);
      STRING.encode(value.payload(), out);
      LONG.encode(value.timeMillis(), out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
      return new DeadLetter(
          STRING.decode(in),
          DeadLetterReason.valueOf(STRING.decode(in)),
          STRING.decode(in),
          STRING.decode(in),
          LONG.decode(in));
    }
  }
}
