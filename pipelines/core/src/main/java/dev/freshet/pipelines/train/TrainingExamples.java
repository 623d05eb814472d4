package dev.freshet.pipelines.train;

import dev.freshet.model.examples.Example;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureVectorCoder;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.features.KeyBuckets;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Featured events + their natural labels → training {@link Example}s (event id, event time, label,
 * label time, vector). Joined per event id in buckets (see {@link KeyBuckets}); an event without a
 * label (a duplicate) is left out. The label time is what a replay needs to train on an example
 * only once its label would have been known ({@code freshet freshness}).
 */
public final class TrainingExamples
    extends PTransform<PCollection<FeaturedEvent>, PCollection<Example>> {
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
  public PCollection<Example> expand(PCollection<FeaturedEvent> features) {
    KvCoder<String, Part> coder = KvCoder.of(StringUtf8Coder.of(), Part.PartCoder.INSTANCE);
    String idField = spec.events().idField();
    String timeField = spec.events().timeField();
    PCollection<KV<String, Part>> vectors =
        features.apply("VectorsById", ParDo.of(new VectorFn(idField, timeField))).setCoder(coder);
    PCollection<KV<String, Part>> labelsById =
        labels.apply("LabelsById", ParDo.of(new LabelFn(idField))).setCoder(coder);
    return PCollectionList.of(vectors)
        .and(labelsById)
        .apply("Merge", Flatten.pCollections())
        .apply("GroupById", KeyBuckets.of(KeyBuckets.DEFAULT_BUCKETS))
        .apply("Examples", ParDo.of(new ExampleFn()))
        .setCoder(Example.ExampleCoder.of());
  }

  /**
   * One side of an example: the vector with its event time, or (without a vector) the label with
   * the time it became known.
   */
  record Part(long timeMillis, float label, float @Nullable [] features) {
    static Part vector(long eventTimeMillis, float[] features) {
      return new Part(eventTimeMillis, 0, features);
    }

    static Part label(float label, long labelTimeMillis) {
      return new Part(labelTimeMillis, label, null);
    }

    boolean isVector() {
      return features != null;
    }

    static final class PartCoder extends AtomicCoder<Part> {
      static final PartCoder INSTANCE = new PartCoder();
      private static final NullableCoder<float[]> VECTOR =
          NullableCoder.of(FeatureVectorCoder.of());

      @Override
      public void encode(Part p, OutputStream out) throws IOException {
        VarLongCoder.of().encode(p.timeMillis(), out);
        FloatCoder.of().encode(p.label(), out);
        VECTOR.encode(p.features(), out);
      }

      @Override
      public Part decode(InputStream in) throws IOException {
        return new Part(
            VarLongCoder.of().decode(in), FloatCoder.of().decode(in), VECTOR.decode(in));
      }

      @Override
      public void verifyDeterministic() {}
    }
  }

  static final class VectorFn extends DoFn<FeaturedEvent, KV<String, Part>> {
    private final String idField;
    private final String timeField;

    VectorFn(String idField, String timeField) {
      this.idField = idField;
      this.timeField = timeField;
    }

    @ProcessElement
    public void process(@Element FeaturedEvent e, OutputReceiver<KV<String, Part>> out) {
      out.output(
          KV.of(
              e.event().getString(idField),
              Part.vector(e.event().getDateTime(timeField).getMillis(), e.features())));
    }
  }

  static final class LabelFn extends DoFn<Labeled<Row>, KV<String, Part>> {
    private final String idField;

    LabelFn(String idField) {
      this.idField = idField;
    }

    @ProcessElement
    public void process(@Element Labeled<Row> l, OutputReceiver<KV<String, Part>> out) {
      out.output(
          KV.of(l.value().getString(idField), Part.label((float) l.label(), l.labelTimeMillis())));
    }
  }

  static final class ExampleFn extends DoFn<KV<Integer, Iterable<KV<String, Part>>>, Example> {
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, Part>>> bucket, OutputReceiver<Example> out) {
      for (Map.Entry<String, List<Part>> e : KeyBuckets.byKey(bucket.getValue()).entrySet()) {
        Part vector = null;
        Part label = null;
        for (Part part : e.getValue()) {
          if (part.isVector()) {
            vector = part;
          } else {
            label = part;
          }
        }
        if (vector != null && label != null) {
          out.output(
              new Example(
                  e.getKey(),
                  vector.timeMillis(),
                  label.timeMillis(),
                  label.label(),
                  vector.features()));
        }
      }
    }
  }
}
