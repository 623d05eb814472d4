package dev.freshet.pipelines.features;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.io.LabeledSources;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.labels.Labeled;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The feature/label flow over files: read and parse events and outcomes (dead letters kept), join
 * natural labels, extract point-in-time features with the outcome-derived ones, and summarise. The
 * same transforms run in the serving and learning pipelines; this one is bounded.
 */
public final class FeaturesPipeline {
  /** Metric names read by the summary. */
  public static final String FEATURED = "featured_events";

  private static final ObjectMapper JSON = new ObjectMapper();

  private FeaturesPipeline() {}

  /**
   * What the pipeline produces, for callers that add more (tests, the training pipeline): the dead
   * letters and their tally (one element: usable events and outcomes, dead letters by source and
   * reason).
   */
  public record Outputs(
      PCollection<FeaturedEvent> features,
      PCollection<Labeled<Row>> labels,
      PCollection<DeadLetter> deadLetters,
      PCollection<DeadLetterTally> tally) {}

  /** Builds the flow; {@code statsPath} receives the column statistics as one JSON file. */
  public static Outputs build(
      Pipeline p, FeaturesOptions options, FeatureSpec spec, String statsPath) {
    Domain domain = options.getDomain();
    String events = options.getEvents() != null ? options.getEvents() : domain.defaultEvents();
    String outcomes =
        options.getOutcomes() != null ? options.getOutcomes() : domain.defaultOutcomes();
    LabeledSources sources = domain.read(p, spec, events, outcomes);
    PCollection<Row> rows = sources.events().rows();
    JoinLabels.Result<Row> labels =
        rows.apply("JoinLabels", JoinLabels.events(spec, sources.outcomes().rows()));
    PCollection<FeaturedEvent> features =
        rows.apply("ExtractFeatures", ExtractFeatures.of(spec).withLabels(labels.labeled()));
    features.apply("CountFeatured", ParDo.of(new CountFn()));
    features
        .apply("ColumnStats", Combine.globally(new ColumnStats.Fn(spec.size())).withoutDefaults())
        .apply(
            "StatsJson", MapElements.into(TypeDescriptors.strings()).via(s -> statsJson(spec, s)))
        .apply("WriteStats", TextIO.write().to(statsPath).withoutSharding());
    PCollection<DeadLetter> dead =
        PCollectionList.of(sources.deadLetters())
            .and(labels.deadLetters())
            .apply("AllDeadLetters", Flatten.pCollections());
    PCollection<DeadLetterTally> tally =
        dead.apply(
            "TallyDeadLetters",
            DeadLetterTally.counting(
                Map.<String, PCollection<?>>of(
                    spec.events().name(),
                    rows,
                    spec.outcomes().name(),
                    sources.outcomes().rows())));
    if (options.getOutput() != null) {
      String out = options.getOutput().replaceAll("/+$", "");
      features
          .apply(
              "FeaturesJson",
              MapElements.into(TypeDescriptors.strings()).via(e -> featureJson(spec, e)))
          .apply("WriteFeatures", TextIO.write().to(out + "/features").withSuffix(".jsonl"));
      dead.apply(
              "DeadLetterJson", MapElements.into(TypeDescriptors.strings()).via(DeadLetter::toJson))
          .apply("WriteDeadLetters", TextIO.write().to(out + "/dead-letters").withSuffix(".jsonl"));
    }
    return new Outputs(features, labels.labeled(), dead, tally);
  }

  static String featureJson(FeatureSpec spec, FeaturedEvent e) {
    ObjectNode node = JSON.createObjectNode();
    node.put("event_id", e.event().getString(spec.events().idField()));
    node.put("event_time", e.event().getDateTime(spec.events().timeField()).toString());
    ArrayNode values = node.putArray("features");
    for (float f : e.features()) {
      values.add(f);
    }
    return node.toString();
  }

  static String statsJson(FeatureSpec spec, ColumnStats s) {
    ObjectNode node = JSON.createObjectNode();
    node.put("count", s.count());
    ArrayNode columns = node.putArray("columns");
    for (int i = 0; i < spec.size(); i++) {
      ObjectNode c = columns.addObject();
      c.put("name", spec.features().get(i).name());
      c.put("mean", s.mean(i));
      c.put("min", s.min(i));
      c.put("max", s.max(i));
      c.put("non_zero", s.nonZeroShare(i));
    }
    return node.toString();
  }

  static final class CountFn extends DoFn<FeaturedEvent, Void> {
    private final Counter featured = Metrics.counter(ParseEvents.METRICS_NAMESPACE, FEATURED);

    @ProcessElement
    public void process() {
      featured.inc();
    }
  }
}
