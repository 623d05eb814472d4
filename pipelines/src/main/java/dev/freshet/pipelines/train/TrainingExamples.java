package dev.freshet.pipelines.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.io.JsonVectors;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.features.KeyBuckets;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Featured events + their natural labels → training examples, one JSON line each: {@code
 * {"event_id", "event_time" (epoch ms), "label" (0/1), "label_time" (epoch ms, when the label
 * became known), "features": [...]}}. Joined per event id in buckets (see {@link KeyBuckets}); an
 * event without a label (a duplicate) is left out. The label time is what a replay needs to train
 * on an example only once its label would have been known ({@code freshet freshness}).
 */
public final class TrainingExamples
    extends PTransform<PCollection<FeaturedEvent>, PCollection<String>> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FeatureSpec spec;
  private final PCollection<Labeled<Row>> labels;

  private TrainingExamples(FeatureSpec spec, PCollection<Labeled<Row>> labels) {
    this.spec = spec;
    this.labels = labels;
  }

  public static TrainingExamples join(FeatureSpec spec, PCollection<Labeled<Row>> labels) {
    return new TrainingExamples(spec, labels);
  }

  @Override
  public Map<TupleTag<?>, PValue> getAdditionalInputs() {
    return Map.of(new TupleTag<Labeled<Row>>("labels"), labels);
  }

  @Override
  public PCollection<String> expand(PCollection<FeaturedEvent> features) {
    KvCoder<String, String> coder = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    String idField = spec.events().idField();
    String timeField = spec.events().timeField();
    PCollection<KV<String, String>> vectors =
        features.apply("VectorsById", ParDo.of(new VectorFn(idField, timeField))).setCoder(coder);
    PCollection<KV<String, String>> labelsById =
        labels.apply("LabelsById", ParDo.of(new LabelFn(idField))).setCoder(coder);
    return PCollectionList.of(vectors)
        .and(labelsById)
        .apply("Merge", Flatten.pCollections())
        .apply("GroupById", KeyBuckets.of(KeyBuckets.DEFAULT_BUCKETS))
        .apply("Examples", ParDo.of(new ExampleFn()))
        .setCoder(StringUtf8Coder.of());
  }

  /** One parsed example. */
  public record Example(String id, long timeMillis, float label, float[] features) {
    public static Example parse(String json) {
      try {
        JsonNode n = JSON.readTree(json);
        return new Example(
            n.get("event_id").asText(),
            n.get("event_time").asLong(),
            (float) n.get("label").asDouble(),
            JsonVectors.read(n.get("features")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("event_id", id);
      n.put("event_time", timeMillis);
      n.put("label", label);
      JsonVectors.put(n, "features", features);
      return n.toString();
    }
  }

  static final class VectorFn extends DoFn<FeaturedEvent, KV<String, String>> {
    private final String idField;
    private final String timeField;

    VectorFn(String idField, String timeField) {
      this.idField = idField;
      this.timeField = timeField;
    }

    @ProcessElement
    public void process(@Element FeaturedEvent e, OutputReceiver<KV<String, String>> out) {
      ObjectNode n = JSON.createObjectNode();
      n.put("event_time", e.event().getDateTime(timeField).getMillis());
      JsonVectors.put(n, "features", e.features());
      out.output(KV.of(e.event().getString(idField), n.toString()));
    }
  }

  static final class LabelFn extends DoFn<Labeled<Row>, KV<String, String>> {
    private final String idField;

    LabelFn(String idField) {
      this.idField = idField;
    }

    @ProcessElement
    public void process(@Element Labeled<Row> l, OutputReceiver<KV<String, String>> out) {
      // "<label>@<label time>": never starts with '{', which marks the vector part.
      out.output(
          KV.of(
              l.value().getString(idField),
              (l.positive() ? "1" : "0") + "@" + l.labelTimeMillis()));
    }
  }

  static final class ExampleFn extends DoFn<KV<Integer, Iterable<KV<String, String>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, String>>> bucket, OutputReceiver<String> out)
        throws IOException {
      for (Map.Entry<String, List<String>> e : KeyBuckets.byKey(bucket.getValue()).entrySet()) {
        String vector = null;
        String label = null;
        for (String part : e.getValue()) {
          if (part.startsWith("{")) {
            vector = part;
          } else {
            label = part;
          }
        }
        if (vector != null && label != null) {
          ObjectNode n = (ObjectNode) JSON.readTree(vector);
          n.put("event_id", e.getKey());
          int at = label.indexOf('@');
          n.put("label", Float.parseFloat(label.substring(0, at)));
          n.put("label_time", Long.parseLong(label.substring(at + 1)));
          out.output(n.toString());
        }
      }
    }
  }
}
