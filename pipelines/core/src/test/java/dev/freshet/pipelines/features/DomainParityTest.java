package dev.freshet.pipelines.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.DomainData;
import dev.freshet.pipelines.io.LabeledSources;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.testing.Collect;
import dev.freshet.transforms.testing.Runners;
import dev.freshet.transforms.testing.Streams;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Training/serving parity on real test data: the files read as bounded collections (JSON lines for
 * fraud, the real Parquet for flights) and the same records replayed as a stream in event-time
 * order give bit-identical feature vectors, outcome-derived features included.
 */
public class DomainParityTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void fraudVectorsAreIdenticalInBatchAndStreaming() throws Exception {
    DomainData.Slice slice = DomainData.fraud(tmp.getRoot().toPath(), 800);
    assertParity(Domain.FRAUD, slice, "fraud");
  }

  @Test
  public void flightsVectorsAreIdenticalInBatchAndStreaming() throws Exception {
    DomainData.Slice slice = DomainData.flights(tmp.getRoot().toPath(), 7, 9);
    assertParity(Domain.FLIGHTS, slice, "flights");
  }

  private static void assertParity(Domain domain, DomainData.Slice slice, String name) {
    FeatureSpec spec = slice.spec();
    Pipeline bounded = Pipeline.create(Runners.options(Runners.DIRECT));
    LabeledSources sources =
        domain.read(
            bounded,
            spec,
            slice.events().toString(),
            slice.outcomes() == null ? null : slice.outcomes().toString());
    Collect.into(
        features(spec, sources.events().rows(), sources.outcomes().rows()), "bounded-" + name);
    bounded.run().waitUntilFinish();

    Pipeline streaming = Pipeline.create(Runners.options(Runners.DIRECT));
    TestStream<Row> script =
        Streams.inTimeOrder(spec.events(), spec.outcomes(), slice.eventRows(), slice.outcomeRows());
    PCollectionTuple split = Streams.split(streaming.apply(script), spec.events(), spec.outcomes());
    Collect.into(
        features(spec, split.get(Streams.EVENTS), split.get(Streams.OUTCOMES)),
        "streaming-" + name);
    streaming.run().waitUntilFinish();

    Map<String, float[]> batch = Collect.byId("bounded-" + name);
    Map<String, float[]> stream = Collect.byId("streaming-" + name);
    assertThat(batch).hasSize(slice.eventRows().size());
    assertThat(stream.keySet()).isEqualTo(batch.keySet());
    int changedByOutcomes = 0;
    for (Map.Entry<String, float[]> e : batch.entrySet()) {
      assertThat(stream.get(e.getKey()))
          .as("vector of %s", e.getKey())
          .containsExactly(e.getValue());
      if (sawLabels(spec, e.getValue())) {
        changedByOutcomes++;
      }
    }
    // The comparison covers outcome-derived features that actually saw labels.
    assertThat(changedByOutcomes).isGreaterThan(5);
  }

  /** Whether any outcome-derived column differs from its missing value. */
  private static boolean sawLabels(FeatureSpec spec, float[] vector) {
    for (int i = 0; i < spec.size(); i++) {
      if (spec.features().get(i).aggregation().isFromOutcomes()
          && vector[i] != (float) spec.features().get(i).missingValue()) {
        return true;
      }
    }
    return false;
  }

  private static PCollection<FeaturedEvent> features(
      FeatureSpec spec, PCollection<Row> events, PCollection<Row> outcomes) {
    JoinLabels.Result<Row> labels = events.apply("Labels", JoinLabels.events(spec, outcomes));
    return events.apply("Features", ExtractFeatures.of(spec).withLabels(labels.labeled()));
  }
}
