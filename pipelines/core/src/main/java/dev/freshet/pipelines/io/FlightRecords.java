package dev.freshet.pipelines.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.FeatureSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The US on-time records (vega-datasets {@code flights-*.parquet}: {@code date, delay, distance,
 * origin, destination}) as Freshet events and outcomes.
 *
 * <p>The event is the scheduled departure ({@code date}, read as UTC wall-clock time). The outcome
 * "arrived more than 15 minutes late" becomes known at arrival: departure + an estimated block time
 * of 30 minutes + distance / 8 miles a minute + the delay. The event id is {@code
 * ORIGIN-DESTINATION-yyyyMMddHHmm-dDELAY}; the rare flights that share all of it are duplicates.
 */
public final class FlightRecords extends PTransform<PBegin, LabeledSources> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

  private final FeatureSpec spec;
  private final String pattern;

  private FlightRecords(FeatureSpec spec, String pattern) {
    this.spec = spec;
    this.pattern = pattern;
  }

  public static FlightRecords read(FeatureSpec spec, String filePattern) {
    return new FlightRecords(spec, filePattern);
  }

  @Override
  public LabeledSources expand(PBegin begin) {
    PCollection<KV<String, String>> pairs =
        begin.apply(
            "ReadFlights",
            ParquetIO.parseGenericRecords(FlightRecords::toJsonPair)
                .withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
                .withConfiguration(EventFiles.GENERIC_AVRO)
                .from(pattern));
    PCollection<String> events =
        pairs.apply("Events", MapElements.into(TypeDescriptors.strings()).via(KV::getKey));
    PCollection<String> outcomes =
        pairs
            .apply("Outcomes", MapElements.into(TypeDescriptors.strings()).via(KV::getValue))
            .apply("WithArrival", Filter.by(s -> !s.isEmpty()));
    return new LabeledSources(
        events.apply("ParseEvents", ParseEvents.json(spec.events()).withSource("flights")),
        outcomes.apply("ParseOutcomes", ParseEvents.json(spec.outcomes()).withSource("arrivals")));
  }

  /** The event JSON and the outcome JSON (empty when the flight has no recorded arrival). */
  public static KV<String, String> toJsonPair(GenericRecord r) {
    Object date = r.get("date");
    Object distance = r.get("distance");
    Object delay = r.get("delay");
    String origin = r.get("origin") == null ? null : r.get("origin").toString();
    String destination = r.get("destination") == null ? null : r.get("destination").toString();
    Long departure = date instanceof Number n ? micros(r, n.longValue()) : null;
    ObjectNode event = JSON.createObjectNode();
    String id =
        origin
            + "-"
            + destination
            + "-"
            + (departure == null ? "?" : ID_TIME.format(Instant.ofEpochMilli(departure)))
            + "-d"
            + delay;
    event.put("event_id", id);
    event.put("event_type", "flight");
    if (departure != null) {
      event.put("event_time", departure);
      event.put("dep_hour", Instant.ofEpochMilli(departure).atZone(ZoneOffset.UTC).getHour());
    }
    event.put("origin", origin);
    event.put("destination", destination);
    event.put("route", origin + "-" + destination);
    if (distance instanceof Number d) {
      event.put("distance", d.doubleValue());
    }
    String outcome = "";
    if (departure != null && delay instanceof Number d && distance instanceof Number miles) {
      long blockMinutes = 30 + Math.round(miles.doubleValue() / 8.0);
      long arrival =
          departure + (blockMinutes + Math.max(d.longValue(), -blockMinutes + 1)) * 60_000L;
      ObjectNode o = JSON.createObjectNode();
      o.put("event_id", id);
      o.put("outcome_time", arrival);
      o.put("label", d.longValue() > 15);
      outcome = o.toString();
    }
    return KV.of(event.toString(), outcome);
  }

  /** Converts the file's timestamp (microseconds, or milliseconds) to epoch milliseconds. */
  private static long micros(GenericRecord r, long raw) {
    org.apache.avro.Schema s = r.getSchema().getField("date").schema();
    if (s.getType() == org.apache.avro.Schema.Type.UNION) {
      s =
          s.getTypes().stream()
              .filter(t -> t.getType() != org.apache.avro.Schema.Type.NULL)
              .findFirst()
              .orElse(s);
    }
    String logical = s.getLogicalType() == null ? "" : s.getLogicalType().getName();
    return logical.endsWith("micros") ? Math.floorDiv(raw, 1000L) : raw;
  }
}
