package dev.freshet.model.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.transforms.features.FeatureVectorCoder;
import dev.freshet.transforms.features.JsonVectors;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A labelled example: the feature vector of one event, its natural label and when the label became
 * known. The one record for every pipeline that trains or judges: {@code train}'s examples, {@code
 * learn}'s micro-batches (the vector serve logged), the smoke-test set and the freshness replay.
 * Inside a job it moves with {@link ExampleCoder}; in files it is one JSON line:
 *
 * <pre>{@code
 * {"event_id":"p-42","event_time":1767225600000,"label":1.0,"label_time":1767229200000,
 *  "features":[0.0,3.0,...]}
 * }</pre>
 *
 * @param labelTimeMillis when the label became known (the outcome's time, or the end of the label
 *     window for a timed-out negative); never before the event
 */
public record Example(
    String id, long eventTimeMillis, long labelTimeMillis, float label, float[] features) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether the label is the positive class. */
  public boolean positive() {
    return label > 0.5f;
  }

  /** The example as one JSON object. */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("event_id", id);
    n.put("event_time", eventTimeMillis);
    n.put("label", label);
    n.put("label_time", labelTimeMillis);
    JsonVectors.put(n, "features", features);
    return n.toString();
  }

  /**
   * Parses {@link #toJson()}. An example without {@code label_time} (smoke-test sets written before
   * label times were kept) takes its event time.
   */
  public static Example parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      long eventTime = n.get("event_time").asLong();
      return new Example(
          n.get("event_id").asText(),
          eventTime,
          n.hasNonNull("label_time") ? n.get("label_time").asLong() : eventTime,
          (float) n.get("label").asDouble(),
          JsonVectors.read(n.get("features")));
    } catch (IOException | RuntimeException e) {
      throw new UncheckedIOException(
          new IOException(
              "not a labelled example (event_id, event_time, label, features): "
                  + (json.length() <= 200 ? json : json.substring(0, 200) + "..."),
              e));
    }
  }

  /** The vectors of {@code examples}, in order. */
  public static float[][] features(List<Example> examples) {
    float[][] x = new float[examples.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = examples.get(i).features();
    }
    return x;
  }

  /** The labels of {@code examples}, in order. */
  public static float[] labels(List<Example> examples) {
    float[] y = new float[examples.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = examples.get(i).label();
    }
    return y;
  }

  /** Encodes an example field by field; the vector bit for bit. */
  public static final class ExampleCoder extends AtomicCoder<Example> {
    private static final ExampleCoder INSTANCE = new ExampleCoder();

    private ExampleCoder() {}

    public static ExampleCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(Example e, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(e.id(), out);
      VarLongCoder.of().encode(e.eventTimeMillis(), out);
      VarLongCoder.of().encode(e.labelTimeMillis(), out);
      FloatCoder.of().encode(e.label(), out);
      FeatureVectorCoder.of().encode(e.features(), out);
    }

    @Override
    public Example decode(InputStream in) throws IOException {
      return new Example(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          FloatCoder.of().decode(in),
          FeatureVectorCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
