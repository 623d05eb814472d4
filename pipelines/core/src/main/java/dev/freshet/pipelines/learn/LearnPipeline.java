package dev.freshet.pipelines.learn;

import dev.freshet.model.evaluation.OfflineGate;
import dev.freshet.model.evaluation.OnlinePromoter;
import dev.freshet.model.evaluation.PromotionManager;
import dev.freshet.model.examples.Example;
import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.ParsePredictions;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.labels.Labeled;
import dev.freshet.transforms.labels.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * The unbounded {@code learn} pipeline (DESIGN data flow, contracts 3 and 5):
 *
 * <pre>
 * [predictions] ─> parse (logged vectors) ─┐
 *                                          ├─> JoinLabels ─> examples ─> micro-batches
 * [outcomes] ──> ParseEvents ─> outcomes ──┘      ─> warm-start the candidate copy ─> offline gate
 *                                                 ─> registry (CANDIDATE) + [model-events]
 * bad predictions, unusable outcomes ─> [dead-letters]
 * </pre>
 *
 * It trains on the vectors serve scored, never on recomputed ones, and never modifies production:
 * the online gate and promotion decide what serves.
 */
public final class LearnPipeline {

  private LearnPipeline() {}

  /** Builds the pipeline on {@code p}; it reads, learns and writes once run. */
  public static void build(Pipeline p, LearnOptions options, FeatureSpec spec) {
    validate(options, spec);
    CandidateLearner.Settings settings = settings(options, spec);

    ParsePredictions.Result logged =
        p.apply("ReadPredictions", KafkaTopics.read(options, options.getPredictionsTopic()))
            .apply("ParsePredictions", ParsePredictions.create().requireSpec(spec.fingerprint()));
    PCollection<KV<String, Prediction>> byEvent =
        logged.predictions().apply("ByEventId", ParsePredictions.byEventId());

    ParseResult outcomeRows =
        EncodedTopic.outcomes(options, spec).read(p, "ReadOutcomes", "ParseOutcomes");
    PCollection<Outcome> outcomes =
        outcomeRows
            .rows()
            .apply(
                "Outcomes",
                MapElements.into(TypeDescriptor.of(Outcome.class))
                    .via((Row r) -> Outcome.fromRow(spec.outcomes(), r)))
            .setCoder(Outcome.OutcomeCoder.of());

    JoinLabels.Result<Prediction> labels =
        byEvent.apply(
            "JoinLabels", JoinLabels.<Prediction>withOutcomes(outcomes).within(spec.labelWindow()));

    LearnFn.Config config =
        new LearnFn.Config(
            UUID.randomUUID().toString(),
            options.getRegistry(),
            spec,
            settings,
            options.getMicroBatchSize(),
            options.getMaxBatchWaitSeconds());
    PCollection<KV<String, String>> learnt =
        labels
            .labeled()
            .apply(
                "Examples",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(Example.class)))
                    .via((Labeled<Prediction> l) -> KV.of("learner", example(l))))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), Example.ExampleCoder.of()))
            // Micro-batches in label-time order, cut inside the learner's stateful step.
            .apply("Learn", ParDo.of(new LearnFn(config)));
    List<PCollection<KV<String, String>>> modelEvents = new ArrayList<>(List.of(learnt));

    if (options.getPromote()) {
      OnlinePromoter.Rule rule = rule(options);
      modelEvents.add(
          labels
              .labeled()
              .apply("ForThePromoter", WithKeys.of("promoter"))
              .setCoder(
                  KvCoder.of(
                      StringUtf8Coder.of(),
                      Labeled.LabeledCoder.of(Prediction.PredictionCoder.of())))
              .apply(
                  "PromoterBatches",
                  GroupIntoBatches.<String, Labeled<Prediction>>ofSize(PromotionManager.CHECK_EVERY)
                      .withMaxBufferingDuration(
                          Duration.standardSeconds(options.getMaxBatchWaitSeconds())))
              .apply(
                  "Promote", ParDo.of(new PromoteFn(config.runId(), options.getRegistry(), rule))));
    }
    // One sink per topic: an exactly-once sink keeps its metadata per job and topic.
    PCollectionList.of(modelEvents)
        .apply("AllModelEvents", Flatten.pCollections())
        .apply("WriteModelEvents", KafkaTopics.write(options, options.getModelEventsTopic()));

    List<PCollection<DeadLetter>> dead = new ArrayList<>();
    dead.add(logged.deadLetters());
    dead.add(outcomeRows.deadLetters());
    dead.add(labels.deadLetters());
    KafkaTopics.writeDeadLetters(
        PCollectionList.of(dead).apply("AllDeadLetters", Flatten.pCollections()), options);
  }

  /** The example of a logged prediction and its label: the vector serve scored with. */
  static Example example(Labeled<Prediction> labeled) {
    Prediction p = labeled.value();
    return new Example(
        p.eventId(),
        p.eventTimeMillis(),
        labeled.labelTimeMillis(),
        (float) labeled.label(),
        p.features());
  }

  /**
   * Checks the options and the spec, failing with a message that names the option. {@code freshet
   * learn} calls it before anything connects, so a bad value is the first thing reported.
   */
  public static void validate(LearnOptions options, FeatureSpec spec) {
    if (spec.outcomes() == null || spec.labelWindow() == null) {
      throw new IllegalArgumentException(
          "feature spec '" + spec.name() + "' declares no outcomes or label window to learn from");
    }
    if (options.getMicroBatchSize() < 1) {
      throw new IllegalArgumentException(
          "--microBatchSize must be at least 1, got " + options.getMicroBatchSize());
    }
    if (options.getMaxBatchWaitSeconds() < 1) {
      throw new IllegalArgumentException(
          "--maxBatchWaitSeconds must be at least 1, got " + options.getMaxBatchWaitSeconds());
    }
    if (options.getPromote()) {
      rule(options);
    }
    settings(options, spec);
  }

  private static OnlinePromoter.Rule rule(LearnOptions options) {
    return new OnlinePromoter.Rule(
        options.getMinOnlineExamples(),
        options.getMinOnlinePositives(),
        options.getOnlineAlpha(),
        options.getOnlineLooks());
  }

  static CandidateLearner.Settings settings(LearnOptions options, FeatureSpec spec) {
    double holdHours = options.getChallengerHoldHours();
    if (holdHours < 0) {
      throw new IllegalArgumentException(
          "--challengerHoldHours must be zero (twice the label window) or positive, got "
              + holdHours);
    }
    long holdMillis =
        !options.getPromote()
            ? 0
            : holdHours == 0
                ? 2 * spec.labelWindow().getMillis()
                : Math.round(holdHours * 3_600_000);
    return new CandidateLearner.Settings(
        options.getGateEvery(),
        options.getLearnEpochs(),
        options.getLearnRate(),
        options.getCalibrationWindow(),
        new OfflineGate(options.getMaxNeRegression(), options.getMaxCalibrationRatio()),
        holdMillis,
        options.getNormalizationMemory());
  }
}
