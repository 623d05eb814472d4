package dev.freshet.pipelines.cli.page;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.cli.models.ModelsCommand.Offline;
import dev.freshet.pipelines.cli.page.PageState.Marker;
import dev.freshet.pipelines.cli.page.PageState.NeSeries;
import dev.freshet.pipelines.cli.page.PageState.Traffic;
import dev.freshet.pipelines.cli.page.PageState.TrafficSample;
import dev.freshet.pipelines.cli.status.LoopStatus;
import dev.freshet.pipelines.predictions.Prediction;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The live page's server and its JSON: online NE grows as labels settle, and {@code /api/state}
 * carries the loop's state as {@code status --json} does, the NE points, the decisions as markers
 * and throughput; the page and the vendored chart library come from the class path.
 */
public class LivePageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOUR = 3_600_000L;
  private static final long T0 = Instant.parse("2026-01-08T00:00:00Z").toEpochMilli();

  /** The static model's scores: a constant 0.1 for every vector. */
  private static final OnlineNe.StaticScorer CONSTANT =
      features -> {
        float[] scores = new float[features.length];
        Arrays.fill(scores, 0.1f);
        return scores;
      };

  private static Prediction prediction(String id, long eventTime, float score) {
    return new Prediction(
        id,
        eventTime,
        score,
        score > 0.5f,
        "v1",
        "production",
        "spec",
        new float[] {1f},
        eventTime);
  }

  @Test
  public void predictionsCountOnceTheirLabelIsKnownInStreamTime() {
    // Label window 48 h; slices of 24 h. p-2's chargeback comes 5 h after it.
    OnlineNe ne = new OnlineNe(T0, 24 * HOUR, 48 * HOUR, Map.of("p-2", T0 + 6 * HOUR), CONSTANT);
    ne.add(prediction("p-1", T0, 0.05f));
    ne.add(prediction("p-2", T0 + HOUR, 0.9f));
    ne.add(prediction("p-3", T0 + 30 * HOUR, 0.2f));

    ne.settle(T0 + 2 * HOUR);
    assertThat(ne.labelled()).isZero();
    assertThat(ne.points()).isEmpty();

    ne.settle(T0 + 6 * HOUR); // the chargeback is known: p-2 is positive; p-1 still open
    assertThat(ne.labelled()).isEqualTo(1);
    assertThat(ne.points()).singleElement().satisfies(p -> assertThat(p.servedNe()).isNull());

    ne.settle(T0 + 48 * HOUR); // p-1's window closed without one: negative
    assertThat(ne.labelled()).isEqualTo(2);
    assertThat(ne.pending()).isEqualTo(1);
    PageState.NePoint first = ne.points().get(0);
    assertThat(first.examples()).isEqualTo(2);
    assertThat(first.positives()).isEqualTo(1);
    // Served scores separate the two; the static constant 0.1 does not.
    assertThat(first.servedNe()).isLessThan(first.staticNe());

    ne.settle(T0 + 78 * HOUR);
    assertThat(ne.points()).hasSize(2);
    assertThat(ne.points().get(1).startMillis()).isEqualTo(T0 + 24 * HOUR);
    assertThat(ne.pending()).isZero();
  }

  @Test
  public void servesThePageItsLibraryAndTheStateAsJson() throws Exception {
    OnlineNe ne = new OnlineNe(T0, 24 * HOUR, 48 * HOUR, Map.of("p-2", T0 + 6 * HOUR), CONSTANT);
    ne.add(prediction("p-1", T0, 0.05f));
    ne.add(prediction("p-2", T0 + HOUR, 0.9f));
    ne.settle(T0 + 48 * HOUR);
    LoopStatus status =
        new LoopStatus(
            "/tmp/registry",
            "127.0.0.1:9092",
            Instant.parse("2026-12-04T12:00:00Z"),
            new LoopStatus.Version(
                "v2",
                Instant.parse("2026-12-04T11:59:00Z"),
                "promoted",
                new Offline("smoke test", 0.05, 0.99),
                null,
                "no online evidence on model-events"),
            null,
            "model-events",
            List.of(
                new LoopStatus.Decision(
                    Instant.parse("2026-12-04T11:59:00Z"), "promoted", "v2", "promoter", "z 2.4")),
            List.of(),
            null,
            List.of());
    PageState state =
        new PageState(
            "freshet run",
            Instant.parse("2026-12-04T12:00:01Z"),
            status,
            null,
            new NeSeries(
                "stream time", "served", "static #1", ne.points(), ne.labelled(), ne.pending(), ""),
            List.of(
                new Marker(
                    T0 + 40 * HOUR,
                    Instant.parse("2026-12-04T11:59:00Z"),
                    "promoted",
                    "v2",
                    "#2",
                    "#2 promoted over #1: z 2.4")),
            T0 + 48 * HOUR,
            T0 + 12 * HOUR,
            new Traffic(2, 2, 0, Double.NaN, 81.0, List.of(new TrafficSample(1.0, 950.0, 120.0))),
            List.of("a note"));
    HttpClient http = HttpClient.newHttpClient();
    try (LivePage page = LivePage.start("127.0.0.1", 0, () -> state)) {
      assertThat(page.url().toString()).startsWith("http://127.0.0.1:");

      JsonNode json =
          JSON.readTree(get(http, page.url().resolve("api/state"), 200, "application/json"));
      assertThat(json.at("/status/production/version").asText()).isEqualTo("v2");
      assertThat(json.at("/status/decisions/0/type").asText()).isEqualTo("promoted");
      assertThat(json.at("/ne/points")).hasSize(1);
      assertThat(json.at("/ne/points/0/examples").asLong()).isEqualTo(2);
      assertThat(json.at("/ne/points/0/served_ne").isNumber()).isTrue();
      assertThat(json.at("/ne/labelled").asLong()).isEqualTo(2);
      assertThat(json.at("/markers/0/type").asText()).isEqualTo("promoted");
      assertThat(json.at("/markers/0/x_millis").asLong()).isEqualTo(T0 + 40 * HOUR);
      assertThat(json.at("/drift_onset_millis").asLong()).isEqualTo(T0 + 12 * HOUR);
      assertThat(json.at("/traffic/p50_millis").isNull()).as("NaN reads as null").isTrue();
      assertThat(json.at("/traffic/samples/0/predictions_per_second").asDouble()).isEqualTo(950.0);

      assertThat(get(http, page.url(), 200, "text/html"))
          .contains("uplot/uPlot.iife.min.js", "page.js");
      assertThat(get(http, page.url().resolve("uplot/uPlot.iife.min.js"), 200, "text/javascript"))
          .contains("uPlot");
      assertThat(get(http, page.url().resolve("page.js"), 200, "text/javascript"))
          .contains("api/state");
      get(http, page.url().resolve("nothing-here"), 404, "text/plain");
    }
  }

  @Test
  public void aStateThatFailsIsAnErrorThePageCanShow() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (LivePage page =
        LivePage.start(
            "127.0.0.1",
            0,
            () -> {
              throw new IllegalStateException("registry unreadable");
            })) {
      JsonNode json =
          JSON.readTree(get(http, page.url().resolve("api/state"), 500, "application/json"));
      assertThat(json.get("error").asText()).contains("registry unreadable");
    }
  }

  private static String get(HttpClient http, URI uri, int code, String type) throws Exception {
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(uri.toString()).isEqualTo(code);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith(type));
    return r.body();
  }
}
