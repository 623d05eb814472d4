package dev.freshet.pipelines.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.io.JsonVectors;
import dev.freshet.pipelines.serve.Prediction;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A labelled example for the learner: the feature vector serve logged with its prediction (so the
 * learner trains on what was served), the natural label and when it became known.
 */
public record LearnExample(
    String id,
    long eventTimeMillis,
    long labelTimeMillis,
    float label,
    float[] features,
    String servedBy) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The example of a logged prediction and its label. */
  public static LearnExample of(Labeled<String> labeled) {
    Prediction p = Prediction.parse(labeled.value());
    return new LearnExample(
        p.eventId(),
        p.eventTimeMillis(),
        labeled.labelTimeMillis(),
        (float) labeled.label(),
        p.features(),
        p.modelVersion());
  }

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id);
    n.put("time", eventTimeMillis);
    n.put("label_time", labelTimeMillis);
    n.put("label", label);
    JsonVectors.put(n, "features", features);
    n.put("served_by", servedBy);
    return n.toString();
  }

  public static LearnExample parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      return new LearnExample(
          n.get("id").asText(),
          n.get("time").asLong(),
          n.get("label_time").asLong(),
          (float) n.get("label").asDouble(),
          JsonVectors.read(n.get("features")),
          n.get("served_by").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
