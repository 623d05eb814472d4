package dev.freshet.pipelines.serve;

import dev.freshet.model.evaluation.ArmRouter;
import dev.freshet.model.evaluation.Routing;
import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.EntityKey;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.features.FeatureVectorCoder;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;

/**
 * The unbounded serving pipeline:
 *
 * <pre>
 * [events]   ─> ParseEvents ─┬─────────────────────────> ExtractFeatures ─> Score ─> [predictions]
 * [outcomes] ─> ParseEvents ─┴─> JoinLabels (labels for outcome-derived features) ─┘
 * dead letters of both parsers and of the label join ─────────────────────────────> [dead-letters]
 * scored vectors ─> DriftMonitor (windows vs the scoring version's training data) ─> [model-events]
 * </pre>
 *
 * The feature and label transforms are the ones the bounded training pipeline runs, so what is
 * served is what was trained on. Every valid event becomes exactly one prediction; every invalid
 * record becomes one dead letter with its reason.
 */
public final class ServePipeline {
  /** Metric counting predictions written. */
  public static final String PREDICTIONS = "predictions";

  private static final TupleTag<KV<String, String>> PREDICTED = new TupleTag<>() {};
  private static final TupleTag<KV<String, float[]>> SCORED_VECTORS = new TupleTag<>() {};

  private ServePipeline() {}

  /** What the pipeline produces, for callers that add more (tests, the learner). */
  public record Outputs(
      PCollection<KV<String, String>> predictions, PCollection<DeadLetter> deadLetters) {}

  /** Builds the pipeline on {@code p}; reading, scoring and writing all start on run. */
  public static Outputs build(Pipeline p, ServeOptions options, FeatureSpec spec) {
    validate(options);
    Duration driftWindow = driftWindow(options);
    ParseResult events = EncodedTopic.events(options, spec).read(p, "ReadEvents", "ParseEvents");
    PCollectionList<DeadLetter> dead = PCollectionList.of(events.deadLetters());

    ExtractFeatures extract =
        ExtractFeatures.of(spec)
            .withAllowedLateness(Duration.standardSeconds(options.getAllowedLatenessSeconds()))
            .withStages(options.getFeatureStages());
    if (spec.hasOutcomeFeatures()) {
      ParseResult outcomes =
          EncodedTopic.outcomes(options, spec).read(p, "ReadOutcomes", "ParseOutcomes");
      JoinLabels.Result<Row> labels =
          events.rows().apply("JoinLabels", JoinLabels.events(spec, outcomes.rows()));
      extract = extract.withLabels(labels.labeled());
      dead = dead.and(outcomes.deadLetters()).and(labels.deadLetters());
    }
    PCollection<FeaturedEvent> featured = events.rows().apply("ExtractFeatures", extract);

    ModelSource source =
        new ModelSource(
            options.getRegistry(),
            spec.fingerprint(),
            options.getModelPollMillis(),
            KafkaClients.of(options),
            options.getModelEventsTopic(),
            options.getRouting() != Routing.PRODUCTION);
    PCollectionTuple scored =
        featured.apply(
            "Score",
            ParDo.of(
                    new ScoreFn(
                        source,
                        spec.events().idField(),
                        spec.events().timeField(),
                        options.getThreshold(),
                        router(options),
                        stickyField(options, spec),
                        driftWindow == null ? null : SCORED_VECTORS))
                .withOutputTags(PREDICTED, TupleTagList.of(SCORED_VECTORS)));
    PCollection<KV<String, String>> predictions = scored.get(PREDICTED);
    PCollection<KV<String, float[]>> vectors =
        scored
            .get(SCORED_VECTORS)
            .setCoder(KvCoder.of(StringUtf8Coder.of(), FeatureVectorCoder.of()));
    if (driftWindow != null) {
      vectors
          .apply(
              "DriftMonitor",
              new DriftMonitor(
                  options.getRegistry(),
                  driftWindow,
                  options.getDriftThreshold(),
                  options.getDriftRangeThreshold(),
                  options.getDriftMinExamples()))
          .apply("WriteDriftEvents", KafkaTopics.write(options, options.getModelEventsTopic()));
    }
    predictions.apply(
        "WritePredictions", KafkaTopics.writeWithEventTime(options, options.getPredictionsTopic()));

    PCollection<DeadLetter> allDead = dead.apply("AllDeadLetters", Flatten.pCollections());
    KafkaTopics.writeDeadLetters(allDead, options);
    return new Outputs(predictions, allDead);
  }

  /**
   * Checks the options that need no connection, failing with a message that names the option;
   * {@code freshet serve} calls it before contacting Kafka or the registry.
   */
  public static void validate(ServeOptions options) {
    if (!(options.getThreshold() >= 0 && options.getThreshold() <= 1)) {
      throw new IllegalArgumentException(
          "--threshold must be between 0 and 1, got " + options.getThreshold());
    }
    if (options.getAllowedLatenessSeconds() < 0) {
      throw new IllegalArgumentException(
          "--allowedLatenessSeconds must be zero or positive, got "
              + options.getAllowedLatenessSeconds());
    }
    driftWindow(options);
    if (!(options.getDriftThreshold() > 0) || Double.isInfinite(options.getDriftThreshold())) {
      throw new IllegalArgumentException(
          "--driftThreshold must be a positive PSI (0.2 is the usual rule of thumb), got "
              + options.getDriftThreshold());
    }
    if (!(options.getDriftRangeThreshold() > 0 && options.getDriftRangeThreshold() <= 1)) {
      throw new IllegalArgumentException(
          "--driftRangeThreshold must be a share of a window's values in (0, 1] (0.05: 5%), got "
              + options.getDriftRangeThreshold());
    }
    if (options.getDriftMinExamples() < 1) {
      throw new IllegalArgumentException(
          "--driftMinExamples must be at least 1, got " + options.getDriftMinExamples());
    }
  }

  /** The drift monitor's window, or null when {@code --driftWindow} is 0 (monitor off). */
  static Duration driftWindow(ServeOptions options) {
    String text = options.getDriftWindow();
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "--driftWindow needs a duration such as 1h (or 0 to turn the drift monitor off)");
    }
    if (text.trim().equals("0")) {
      return null;
    }
    Duration window = FeatureSpecs.duration(text, "--driftWindow");
    if (window.getMillis() == 0) {
      return null;
    }
    if (window.getMillis() < 0) {
      throw new IllegalArgumentException(
          "--driftWindow must be positive (or 0 to turn the drift monitor off), got " + text);
    }
    return window;
  }

  static ArmRouter router(ServeOptions options) {
    Double share = options.getChallengerShare();
    double defaultShare = options.getRouting() == Routing.CANARY ? 0.05 : 0.5;
    return new ArmRouter(
        options.getRouting(), share == null ? defaultShare : share, options.getRoutingSeed());
  }

  /** The event field that keeps an entity on one arm: given, or the first entity key's field. */
  static String stickyField(ServeOptions options, FeatureSpec spec) {
    if (options.getStickyField() != null) {
      if (!spec.events().hasField(options.getStickyField())) {
        throw new IllegalArgumentException(
            "--stickyField="
                + options.getStickyField()
                + " is not a field of the '"
                + spec.events().name()
                + "' events");
      }
      return options.getStickyField();
    }
    return spec.keys().stream()
        .map(EntityKey::field)
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .orElse(spec.events().idField());
  }

  /**
   * The topics serve parses, in their encodings: the events, and the outcomes when the spec has
   * outcome features.
   */
  public static List<EncodedTopic> inputs(ServeOptions options, FeatureSpec spec) {
    List<EncodedTopic> inputs = new ArrayList<>(List.of(EncodedTopic.events(options, spec)));
    if (spec.hasOutcomeFeatures()) {
      inputs.add(EncodedTopic.outcomes(options, spec));
    }
    return inputs;
  }

  /** The topics serve reads and writes (outcomes only when the spec has outcome features). */
  public static List<String> topics(ServeOptions options, FeatureSpec spec) {
    List<String> topics = new ArrayList<>(List.of(options.getEventsTopic()));
    if (spec.hasOutcomeFeatures()) {
      topics.add(options.getOutcomesTopic());
    }
    topics.addAll(
        List.of(
            options.getPredictionsTopic(),
            options.getDeadLettersTopic(),
            options.getModelEventsTopic()));
    return topics;
  }
}
