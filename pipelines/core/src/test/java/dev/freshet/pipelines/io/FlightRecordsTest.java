package dev.freshet.pipelines.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.pipelines.DomainData;
import dev.freshet.testdata.Flight;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link FlightRecords} on a 1-hour slice of the real flights: one event per Parquet row, one
 * outcome per flight with the label {@code delay > 15}, times and derived fields as documented.
 */
public class FlightRecordsTest {
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

  /** What the file says about one flight, in plain serializable values. */
  record Expected(
      long departureMillis,
      int hour,
      int delay,
      int distance,
      String origin,
      String destination,
      int copies)
      implements Serializable {}

  @Test
  public void oneHourOfRealFlightsBecomesEventsAndOutcomes() throws Exception {
    DomainData.Slice slice = DomainData.flights(tmp.getRoot().toPath(), 7, 8);
    FeatureSpec spec = slice.spec();
    Path file = slice.events();
    List<Flight> flights = dev.freshet.testdata.FlightRecords.readAll(file);
    long parquetRows = dev.freshet.testdata.FlightRecords.rowCount(file);
    assertThat(flights).hasSize((int) parquetRows);
    assertThat(parquetRows).isBetween(50L, 2000L);

    // Each flight of the file under its documented id, ORIGIN-DESTINATION-yyyyMMddHHmm-dDELAY.
    Map<String, Expected> expected = new HashMap<>();
    for (Flight f : flights) {
      String id = idOf(f);
      Expected prior = expected.get(id);
      expected.put(
          id,
          new Expected(
              f.date().toEpochMilli(),
              f.date().atZone(ZoneOffset.UTC).getHour(),
              f.delay(),
              f.distance(),
              f.origin(),
              f.destination(),
              prior == null ? 1 : prior.copies() + 1));
    }
    // A few flights checked by hand: one late, one on time, one early.
    Flight late = flights.stream().filter(f -> f.delay() > 15).findFirst().orElseThrow();
    Flight onTime = flights.stream().filter(f -> f.delay() == 15).findFirst().orElse(null);
    Flight early = flights.stream().filter(f -> f.delay() < 0).findFirst().orElseThrow();
    Map<String, Boolean> handChecked = new HashMap<>();
    handChecked.put(idOf(late), true);
    handChecked.put(idOf(early), false);
    if (onTime != null) {
      handChecked.put(idOf(onTime), false);
    }
    int rows = (int) parquetRows;

    LabeledSources sources = p.apply(FlightRecords.read(spec, file.toString()));
    PAssert.that("event dead letters", sources.events().deadLetters()).empty();
    PAssert.that("outcome dead letters", sources.outcomes().deadLetters()).empty();
    PAssert.that("events", sources.events().rows())
        .satisfies(
            events -> {
              Map<String, Integer> seen = new HashMap<>();
              int n = 0;
              for (Row e : events) {
                n++;
                String id = e.getString("event_id");
                Expected x = expected.get(id);
                assertThat(x).as("event %s is a flight of the file", id).isNotNull();
                seen.merge(id, 1, Integer::sum);
                assertThat(e.getString("event_type")).isEqualTo("flight");
                assertThat(e.getDateTime("event_time").getMillis())
                    .as("event_time of %s", id)
                    .isEqualTo(x.departureMillis());
                assertThat(e.getString("origin")).isEqualTo(x.origin());
                assertThat(e.getString("destination")).isEqualTo(x.destination());
                assertThat(e.getString("route")).isEqualTo(x.origin() + "-" + x.destination());
                assertThat(e.getInt64("dep_hour")).as("dep_hour of %s", id).isEqualTo(x.hour());
                assertThat(e.getInt64("dep_hour")).isEqualTo(7L);
                assertThat(e.getDouble("distance")).isEqualTo((double) x.distance());
              }
              assertThat(n).as("one event per Parquet row").isEqualTo(rows);
              for (Map.Entry<String, Expected> x : expected.entrySet()) {
                assertThat(seen.get(x.getKey())).as(x.getKey()).isEqualTo(x.getValue().copies());
              }
              return null;
            });
    PAssert.that("outcomes", sources.outcomes().rows())
        .satisfies(
            outcomes -> {
              int n = 0;
              Map<String, Boolean> labels = new HashMap<>();
              for (Row o : outcomes) {
                n++;
                String id = o.getString("event_id");
                Expected x = expected.get(id);
                assertThat(x).as("outcome %s matches an event", id).isNotNull();
                boolean label = o.getBoolean("label");
                assertThat(label)
                    .as("label of %s (delay %d)", id, x.delay())
                    .isEqualTo(x.delay() > 15);
                assertThat(o.getDateTime("outcome_time").getMillis())
                    .as("outcome of %s after its departure", id)
                    .isGreaterThan(x.departureMillis());
                labels.put(id, label);
              }
              assertThat(n).as("every flight has an arrival").isEqualTo(rows);
              for (Map.Entry<String, Boolean> h : handChecked.entrySet()) {
                assertThat(labels.get(h.getKey())).as(h.getKey()).isEqualTo(h.getValue());
              }
              return null;
            });
    p.run().waitUntilFinish();
  }

  /** The documented event id, built by hand from the file's values. */
  private static String idOf(Flight f) {
    return f.origin() + "-" + f.destination() + "-" + ID_TIME.format(f.date()) + "-d" + f.delay();
  }
}
