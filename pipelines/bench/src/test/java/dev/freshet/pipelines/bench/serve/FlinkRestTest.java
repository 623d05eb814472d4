package dev.freshet.pipelines.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class FlinkRestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  public void verticesAreReadFromTheJob() throws Exception {
    List<FlinkRest.Vertex> vertices =
        FlinkRest.parseVertices(
            JSON.readTree(
                "{\"jid\":\"j\",\"vertices\":[{\"id\":\"a1\",\"name\":\"Source: Read\","
                    + "\"parallelism\":2},{\"id\":\"b2\",\"name\":\"Score\",\"parallelism\":1}]}"));
    assertThat(vertices)
        .containsExactly(
            new FlinkRest.Vertex("a1", "Source: Read", 2), new FlinkRest.Vertex("b2", "Score", 1));
  }

  @Test
  public void subtasksAreMappedToTheirTaskManager() throws Exception {
    Map<Integer, String> tms =
        FlinkRest.parseSubtaskTaskManagers(
            JSON.readTree(
                "{\"subtasks\":[{\"subtask\":0,\"host\":\"localhost\","
                    + "\"taskmanager-id\":\"taskmanager-2\"},{\"subtask\":1,\"host\":\"h\"}]}"));
    assertThat(tms).containsExactly(Map.entry(0, "taskmanager-2"), Map.entry(1, "h"));
  }

  @Test
  public void missingOrUnreadableMetricsAreNaN() throws Exception {
    Map<String, Double> m =
        FlinkRest.parseMetrics(
            JSON.readTree(
                "[{\"id\":\"numRecordsIn\",\"value\":\"1234\"},"
                    + "{\"id\":\"accumulateBusyTimeMs\",\"value\":\"NaN\"},"
                    + "{\"id\":\"numRecordsOut\",\"value\":\"x\"}]"),
            FlinkRest.TASK_METRICS);
    assertThat(m.get("numRecordsIn")).isEqualTo(1234.0);
    assertThat(m.get("accumulateBusyTimeMs")).isNaN();
    assertThat(m.get("numRecordsOut")).isNaN();
    assertThat(m.get("accumulateIdleTimeMs")).isNaN();
    assertThat(m.keySet()).containsExactlyElementsOf(FlinkRest.TASK_METRICS);
  }

  @Test
  public void chainedOperatorNamesAreShortened() {
    assertThat(
            FlinkRest.shorten(
                "Source: ReadEvents/Read(KafkaUnboundedSource)/Impulse -> ReadEvents/Map ->"
                    + " Parse/ParDo(Anonymous) -> Parse/Flatten"))
        .isEqualTo("ReadEvents→Parse");
    assertThat(FlinkRest.shorten("x".repeat(200))).hasSize(90).endsWith("…");
  }
}
