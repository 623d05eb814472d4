package dev.freshet.pipelines.predictions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.transforms.features.FeatureVectorCoder;
import dev.freshet.transforms.features.JsonVectors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One record on the {@code predictions} topic, and the one parser of it ({@link ParsePredictions}
 * in a pipeline, {@link #parse} elsewhere). It carries what learning needs to train on what was
 * served (the exact feature vector, the spec fingerprint, the model version and arm) and what
 * latency measurement needs (event time, and the wall-clock time it was scored).
 *
 * <pre>{@code
 * {"event_id":"p-42","event_time":"2024-03-01T10:00:00Z","score":0.031,"decision":false,
 *  "model_version":"v2024...","arm":"production","spec":"3f1c...","features":[1.0, ...],
 *  "scored_at_ms":1764000000000,"scores":{"v2024...":0.031}}
 * }</pre>
 */
@DefaultCoder(Prediction.PredictionCoder.class)
public record Prediction(
    String eventId,
    long eventTimeMillis,
    float score,
    boolean decision,
    String modelVersion,
    String arm,
    String spec,
    float[] features,
    long scoredAtMillis,
    Map<String, Float> scores) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * {@code scores}: the score of every version that scored the event (the deciding one, and the
   * challenger in shadow mode), so the online gate can compare versions on the same events.
   */
  public Prediction {
    scores = Map.copyOf(scores);
  }

  /** A prediction scored by one version only. */
  public Prediction(
      String eventId,
      long eventTimeMillis,
      float score,
      boolean decision,
      String modelVersion,
      String arm,
      String spec,
      float[] features,
      long scoredAtMillis) {
    this(
        eventId,
        eventTimeMillis,
        score,
        decision,
        modelVersion,
        arm,
        spec,
        features,
        scoredAtMillis,
        Map.of(modelVersion, score));
  }

  public String toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("event_id", eventId);
    node.put("event_time", Instant.ofEpochMilli(eventTimeMillis).toString());
    node.put("score", score);
    node.put("decision", decision);
    node.put("model_version", modelVersion);
    node.put("arm", arm);
    node.put("spec", spec);
    JsonVectors.put(node, "features", features);
    node.put("scored_at_ms", scoredAtMillis);
    ObjectNode byVersion = node.putObject("scores");
    new TreeMap<>(scores).forEach(byVersion::put);
    return node.toString();
  }

  public static Prediction parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      return new Prediction(
          n.get("event_id").asText(),
          Instant.parse(n.get("event_time").asText()).toEpochMilli(),
          (float) n.get("score").asDouble(),
          n.get("decision").asBoolean(),
          n.get("model_version").asText(),
          n.get("arm").asText(),
          n.get("spec").asText(),
          JsonVectors.read(n.get("features")),
          n.get("scored_at_ms").asLong(),
          scores(n));
    } catch (IOException | RuntimeException e) {
      throw new UncheckedIOException(
          new IOException("not a Freshet prediction: " + abbreviate(json), e));
    }
  }

  private static Map<String, Float> scores(JsonNode n) {
    Map<String, Float> scores = new LinkedHashMap<>();
    JsonNode byVersion = n.get("scores");
    if (byVersion == null) {
      scores.put(n.get("model_version").asText(), (float) n.get("score").asDouble());
    } else {
      byVersion
          .fields()
          .forEachRemaining(e -> scores.put(e.getKey(), (float) e.getValue().asDouble()));
    }
    return scores;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  /** Encodes a prediction field by field; the vector and scores bit for bit. */
  public static final class PredictionCoder extends AtomicCoder<Prediction> {
    private static final PredictionCoder INSTANCE = new PredictionCoder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final FloatCoder FLOAT = FloatCoder.of();
    private static final MapCoder<String, Float> SCORES = MapCoder.of(STRING, FLOAT);

    private PredictionCoder() {}

    public static PredictionCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(Prediction p, OutputStream out) throws IOException {
      STRING.encode(p.eventId(), out);
      LONG.encode(p.eventTimeMillis(), out);
      FLOAT.encode(p.score(), out);
      BooleanCoder.of().encode(p.decision(), out);
      STRING.encode(p.modelVersion(), out);
      STRING.encode(p.arm(), out);
      STRING.encode(p.spec(), out);
      FeatureVectorCoder.of().encode(p.features(), out);
      LONG.encode(p.scoredAtMillis(), out);
      SCORES.encode(new TreeMap<>(p.scores()), out);
    }

    @Override
    public Prediction decode(InputStream in) throws IOException {
      return new Prediction(
          STRING.decode(in),
          LONG.decode(in),
          FLOAT.decode(in),
          BooleanCoder.of().decode(in),
          STRING.decode(in),
          STRING.decode(in),
          STRING.decode(in),
          FeatureVectorCoder.of().decode(in),
          LONG.decode(in),
          SCORES.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
