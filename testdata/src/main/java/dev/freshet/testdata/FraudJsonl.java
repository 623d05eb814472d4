package dev.freshet.testdata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The JSON lines wire format of payments and chargebacks: UTF-8, one object per line, fields in a
 * fixed order, times ISO-8601 UTC with milliseconds and a trailing {@code Z}.
 *
 * <pre>
 * {"event_id":"pay-00000001","event_type":"payment","event_time":"2026-01-05T08:00:00.123Z",
 *  "rider_id":"rider-00042","card_id":"card-000107","trip_id":"trip-00000001","city":"lisbon",
 *  "device_id":"dev-00042","amount":23.4}
 * {"event_id":"pay-00000017","outcome_time":"2026-01-05T11:02:13.000Z","label":true}
 * </pre>
 */
public final class FraudJsonl {

  /** Field names of a payment line, in order. */
  public static final List<String> PAYMENT_FIELDS =
      List.of(
          "event_id",
          "event_type",
          "event_time",
          "rider_id",
          "card_id",
          "trip_id",
          "city",
          "device_id",
          "amount");

  /** Field names of a chargeback line, in order. */
  public static final List<String> CHARGEBACK_FIELDS = List.of("event_id", "outcome_time", "label");

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private FraudJsonl() {}

  /** Formats a time as {@code 2026-01-05T08:00:00.123Z} (always three fraction digits). */
  public static String formatTime(Instant t) {
    return TIME.format(t);
  }

  /** One payment as a JSON object (no line break). */
  public static String toJson(Payment p) {
    StringBuilder sb = new StringBuilder(220);
    sb.append('{');
    str(sb, "event_id", p.eventId()).append(',');
    str(sb, "event_type", Payment.EVENT_TYPE).append(',');
    str(sb, "event_time", formatTime(p.eventTime())).append(',');
    str(sb, "rider_id", p.riderId()).append(',');
    str(sb, "card_id", p.cardId()).append(',');
    str(sb, "trip_id", p.tripId()).append(',');
    str(sb, "city", p.city()).append(',');
    str(sb, "device_id", p.deviceId()).append(',');
    sb.append("\"amount\":").append(Double.toString(p.amount()));
    return sb.append('}').toString();
  }

  /** One chargeback as a JSON object (no line break). */
  public static String toJson(Chargeback c) {
    StringBuilder sb = new StringBuilder(90);
    sb.append('{');
    str(sb, "event_id", c.eventId()).append(',');
    str(sb, "outcome_time", formatTime(c.outcomeTime())).append(',');
    sb.append("\"label\":").append(c.label());
    return sb.append('}').toString();
  }

  /** Parses one payment line; rejects missing, unknown or mistyped fields. */
  public static Payment parsePayment(String line) {
    JsonNode n = readObject(line, PAYMENT_FIELDS);
    if (!Payment.EVENT_TYPE.equals(text(n, "event_type"))) {
      throw new IllegalArgumentException("not a payment: " + line);
    }
    JsonNode amount = n.get("amount");
    if (!amount.isNumber()) {
      throw new IllegalArgumentException("amount is not a number: " + line);
    }
    return new Payment(
        text(n, "event_id"),
        Instant.parse(text(n, "event_time")),
        text(n, "rider_id"),
        text(n, "card_id"),
        text(n, "trip_id"),
        text(n, "city"),
        text(n, "device_id"),
        amount.doubleValue());
  }

  /** Parses one chargeback line; rejects missing, unknown or mistyped fields. */
  public static Chargeback parseChargeback(String line) {
    JsonNode n = readObject(line, CHARGEBACK_FIELDS);
    JsonNode label = n.get("label");
    if (!label.isBoolean()) {
      throw new IllegalArgumentException("label is not a boolean: " + line);
    }
    return new Chargeback(
        text(n, "event_id"), Instant.parse(text(n, "outcome_time")), label.booleanValue());
  }

  /** Reads a whole payments file. */
  public static List<Payment> readPayments(Path file) throws IOException {
    List<Payment> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          out.add(parsePayment(line));
        }
      }
    }
    return out;
  }

  /** Reads a whole chargebacks file. */
  public static List<Chargeback> readChargebacks(Path file) throws IOException {
    List<Chargeback> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          out.add(parseChargeback(line));
        }
      }
    }
    return out;
  }

  /** Opens a payments file for writing (replacing it). */
  public static RecordWriter<Payment> paymentWriter(Path file) throws IOException {
    return new LineWriter<>(file, FraudJsonl::toJson);
  }

  /** Opens a chargebacks file for writing (replacing it). */
  public static RecordWriter<Chargeback> chargebackWriter(Path file) throws IOException {
    return new LineWriter<>(file, FraudJsonl::toJson);
  }

  /** Writes payments to a file (replacing it). */
  public static void writePayments(Path file, Iterable<Payment> payments) throws IOException {
    try (RecordWriter<Payment> w = paymentWriter(file)) {
      w.writeAll(payments);
    }
  }

  /** Writes chargebacks to a file (replacing it). */
  public static void writeChargebacks(Path file, Iterable<Chargeback> chargebacks)
      throws IOException {
    try (RecordWriter<Chargeback> w = chargebackWriter(file)) {
      w.writeAll(chargebacks);
    }
  }

  /** Lazily iterates payment lines of a file; for files too large to hold. */
  public static Iterator<Payment> iteratePayments(BufferedReader reader) {
    return reader.lines().map(FraudJsonl::parsePayment).iterator();
  }

  private static JsonNode readObject(String line, List<String> fields) {
    JsonNode n;
    try {
      n = MAPPER.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + line, e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object: " + line);
    }
    Set<String> names = new TreeSet<>();
    n.fieldNames().forEachRemaining(names::add);
    if (!names.equals(new TreeSet<>(fields))) {
      throw new IllegalArgumentException("expected fields " + fields + " but got " + names);
    }
    return n;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " is not a string: " + n);
    }
    return v.textValue();
  }

  private static StringBuilder str(StringBuilder sb, String name, String value) {
    sb.append('"').append(name).append("\":\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  /** A UTF-8 writer of one JSON object per line. */
  private static final class LineWriter<T> implements RecordWriter<T> {
    private final Writer out;
    private final Function<T, String> format;

    LineWriter(Path file, Function<T, String> format) throws IOException {
      this.out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
      this.format = format;
    }

    @Override
    public void write(T record) throws IOException {
      out.write(format.apply(record));
      out.write('\n');
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
