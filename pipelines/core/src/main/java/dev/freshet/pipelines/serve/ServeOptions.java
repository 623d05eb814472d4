package dev.freshet.pipelines.serve;

import dev.freshet.model.evaluation.Routing;
import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
import dev.freshet.transforms.features.ExtractFeatures;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/** Options of the unbounded {@code serve} pipeline. */
public interface ServeOptions extends SpecOptions, KafkaOptions, StreamingOptions {
  @Description(
      "Model registry on any Beam file system (local directory, gs://bucket/path); serve scores with its production version.")
  @Default.String("out/registry")
  String getRegistry();

  void setRegistry(String value);

  @Description("Score at or above which a prediction's decision is positive (0..1).")
  @Default.Double(0.5)
  double getThreshold();

  void setThreshold(double value);

  @Description(
      "How often (ms) each worker checks the registry's production pointer; bounds the swap delay.")
  @Default.Long(500)
  long getModelPollMillis();

  void setModelPollMillis(long value);

  @Description(
      "How late (seconds of event time behind the newest event of its entity) an event may arrive and still see complete windows.")
  @Default.Long(600)
  long getAllowedLatenessSeconds();

  void setAllowedLatenessSeconds(long value);

  @Description(
      "How an event passes through the entity keys' feature stages: FAN_OUT (every key's stage reads the event, the parts are assembled by event id) or CHAINED (one stage after another, each adding its columns to the vector the event carries). The vectors are the same.")
  @Default.Enum("FAN_OUT")
  ExtractFeatures.Stages getFeatureStages();

  void setFeatureStages(ExtractFeatures.Stages value);

  @Description(
      "Online evaluation: PRODUCTION (no challenger), SHADOW (both score, production decides), AB or CANARY (the challenger decides for a share of entities, sticky), BANDIT (Thompson sampling). The challenger is the registry's newest candidate after production.")
  @Default.Enum("PRODUCTION")
  Routing getRouting();

  void setRouting(Routing value);

  @Description(
      "Share of entities the challenger decides for under AB and CANARY (0..1); default 0.5 for AB, 0.05 for CANARY.")
  Double getChallengerShare();

  void setChallengerShare(Double value);

  @Description(
      "Event field whose value keeps an entity on one arm under AB and CANARY; default the spec's first entity key (card_id for fraud).")
  String getStickyField();

  void setStickyField(String value);

  @Description("Seed of the bandit's draws (routing is deterministic per event id and seed).")
  @Default.Long(0)
  long getRoutingSeed();

  void setRoutingSeed(long value);

  @Description(
      "Drift monitor: length of the event-time windows whose feature distributions are compared with the scoring model's training distribution (30m, 1h, 1d, or ISO-8601); 0 turns the monitor off.")
  @Default.String("1h")
  String getDriftWindow();

  void setDriftWindow(String value);

  @Description(
      "Drift monitor: population stability index at or above which a feature of a window is reported as a drift event on the model-events topic (0.2: the usual 'significant shift' rule of thumb).")
  @Default.Double(0.2)
  double getDriftThreshold();

  void setDriftThreshold(double value);

  @Description(
      "Drift monitor: share of a window's values of a numeric feature outside the range the scoring model was trained on at which a drift event is raised, naming the feature and how far the values went (0.05: 5%; values drawn from the training distribution itself leave its range about 2/n of the time for n training examples, so a few per window are noise). The model scores such values clipped to the range.")
  @Default.Double(0.05)
  double getDriftRangeThreshold();

  void setDriftRangeThreshold(double value);

  @Description(
      "Drift monitor: the fewest scored events a window needs to be judged; smaller windows are counted but raise no drift event (PSI on few events is mostly sampling noise).")
  @Default.Long(500)
  long getDriftMinExamples();

  void setDriftMinExamples(long value);
}
