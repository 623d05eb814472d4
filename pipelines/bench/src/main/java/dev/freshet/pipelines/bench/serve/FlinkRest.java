package dev.freshet.pipelines.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the benchmark asks a Flink JobManager's REST API: a job's vertices, where each subtask runs,
 * and each subtask's task metrics ({@code numRecordsIn}, {@code accumulateBusyTimeMs}, ...).
 *
 * <p>The JobManager caches metrics and fetches them from the TaskManagers at most every {@code
 * metrics.fetcher.update-interval} (10 s by default), in the background of the request that finds
 * them older: a reading is fresh only when asked for again a moment after that request, at least 10
 * s after the previous fetch ({@link #refreshMetrics}).
 */
final class FlinkRest {
  /** The task metrics read per subtask. */
  static final List<String> TASK_METRICS =
      List.of(
          "numRecordsIn",
          "numRecordsOut",
          "accumulateBusyTimeMs",
          "accumulateBackPressuredTimeMs",
          "accumulateIdleTimeMs");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One job vertex: a task of operators chained together, run as {@code parallelism} subtasks. */
  record Vertex(String id, String name, int parallelism) {
    /** The name shortened: each chained operator's first path segment, once, joined by "→". */
    String shortName() {
      return shorten(name);
    }
  }

  private final String restAddress;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code restAddress}: {@code http://host:port}. */
  FlinkRest(String restAddress) {
    this.restAddress = restAddress;
  }

  List<Vertex> vertices(String jobId) throws IOException, InterruptedException {
    return parseVertices(get("/jobs/" + jobId));
  }

  /** The TaskManager (its resource id) each subtask of the vertex runs on, by subtask index. */
  Map<Integer, String> subtaskTaskManagers(String jobId, String vertexId)
      throws IOException, InterruptedException {
    return parseSubtaskTaskManagers(get("/jobs/" + jobId + "/vertices/" + vertexId));
  }

  /** {@link #TASK_METRICS} of one subtask; a metric Flink does not report is NaN. */
  Map<String, Double> subtaskMetrics(String jobId, String vertexId, int subtask)
      throws IOException, InterruptedException {
    return parseMetrics(
        get(
            "/jobs/"
                + jobId
                + "/vertices/"
                + vertexId
                + "/subtasks/"
                + subtask
                + "/metrics?get="
                + String.join(",", TASK_METRICS)),
        TASK_METRICS);
  }

  /**
   * Makes the JobManager fetch the TaskManagers' metrics now (if its copy is older than the fetch
   * interval) and waits {@code settle} for the fetch to land.
   */
  void refreshMetrics(String jobId, Vertex anyVertex, Duration settle)
      throws IOException, InterruptedException {
    subtaskMetrics(jobId, anyVertex.id(), 0);
    Thread.sleep(settle.toMillis());
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(restAddress + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + restAddress + path + ": HTTP " + r.statusCode());
    }
    return JSON.readTree(r.body());
  }

  static List<Vertex> parseVertices(JsonNode job) {
    List<Vertex> vertices = new ArrayList<>();
    for (JsonNode v : job.path("vertices")) {
      vertices.add(
          new Vertex(
              v.path("id").asText(), v.path("name").asText(), v.path("parallelism").asInt()));
    }
    return vertices;
  }

  static Map<Integer, String> parseSubtaskTaskManagers(JsonNode vertex) {
    Map<Integer, String> tms = new LinkedHashMap<>();
    for (JsonNode s : vertex.path("subtasks")) {
      String tm = s.path("taskmanager-id").asText("");
      tms.put(s.path("subtask").asInt(), tm.isEmpty() ? s.path("host").asText("?") : tm);
    }
    return tms;
  }

  /**
   * A metrics answer, {@code [{"id": name, "value": "123"}, ...]}, as name → value (NaN if none).
   */
  static Map<String, Double> parseMetrics(JsonNode answer, List<String> names) {
    Map<String, Double> values = new LinkedHashMap<>();
    names.forEach(n -> values.put(n, Double.NaN));
    for (JsonNode m : answer) {
      String id = m.path("id").asText();
      if (values.containsKey(id)) {
        try {
          values.put(id, Double.parseDouble(m.path("value").asText()));
        } catch (NumberFormatException e) {
          // Not a number (e.g. "NaN" from an unmeasured gauge is parsed; anything else stays NaN).
        }
      }
    }
    return values;
  }

  /**
   * A Beam-on-Flink vertex name shortened: its chained operators ({@code " -> "}-separated, a
   * source prefixed {@code "Source: "}) reduced to their first path segment, each once, joined by
   * "→", at most 90 characters.
   */
  static String shorten(String name) {
    Set<String> parts = new LinkedHashSet<>();
    for (String op : name.split(" -> ")) {
      String s = op.trim();
      if (s.startsWith("Source: ")) {
        s = s.substring("Source: ".length());
      }
      int slash = s.indexOf('/');
      if (slash > 0) {
        s = s.substring(0, slash);
      }
      int paren = s.indexOf('(');
      if (paren > 0) {
        s = s.substring(0, paren);
      }
      s = s.trim();
      if (!s.isEmpty()) {
        parts.add(s);
      }
    }
    String joined = String.join("→", parts);
    return joined.length() <= 90 ? joined : joined.substring(0, 89) + "…";
  }
}
