package dev.freshet.pipelines.freshness;

import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.train.ModelOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the {@code freshness} experiment: the data and spec options of {@code features}, the
 * model options of {@code train} (for the initial model), and how the stream is replayed. {@code
 * --output} is where the report goes (the featured events are not written).
 */
public interface FreshnessOptions extends FeaturesOptions, ModelOptions {
  @Description(
      "Update policies to compare, comma separated: static, monthly (30d), weekly, daily, hourly,"
          + " every-<duration> (warm starts on the labels known since the last update), continual"
          + " (warm start per micro-batch), retrain-<period> (from scratch on a trailing window).")
  @Default.String("static,monthly,weekly,daily,hourly,continual,retrain-monthly,retrain-weekly")
  String getPolicies();

  void setPolicies(String value);

  @Description(
      "The start of the stream that only trains the initial model (never scored): a share of the"
          + " stream's time span such as 10%, or a duration such as 14d.")
  @Default.String("10%")
  String getWarmup();

  void setWarmup(String value);

  @Description(
      "Newly labelled examples per update of the continual policy. Not set: the labels the"
          + " warm-up brought in the finest period of --policies (at most a day), between "
          + UpdateSizes.FLOOR
          + " and "
          + UpdateSizes.DEFAULT_CONTINUAL_BATCH_SIZE
          + ", so that continual updates at least as often as the finest periodic policy. The"
          + " report warns when it updated more than 2x less often.")
  Integer getContinualBatchSize();

  void setContinualBatchSize(Integer value);

  @Description(
      "A periodic warm start (hourly, daily, every-<duration>, ...) waits for at least this many"
          + " new labels (they carry over to the next update point). Not set: per policy, half"
          + " the labels its period brought in the warm-up, between "
          + UpdateSizes.FLOOR
          + " and "
          + UpdateSizes.DEFAULT_MIN_UPDATE_EXAMPLES
          + ", so that a policy updates about as often as named when the stream allows it. The"
          + " report warns when a policy updated more than 2x less often than named. It matters"
          + " most with --updateOptimizer=NEW: a fresh Adam's first steps move each weight by"
          + " about the learning rate, so tiny batches would weigh far more per example.")
  Integer getMinUpdateExamples();

  void setMinUpdateExamples(Integer value);

  @Description("Passes over the new examples in a warm-start update.")
  @Default.Integer(1)
  int getUpdateEpochs();

  void setUpdateEpochs(int value);

  @Description(
      "Optimiser of warm-start updates: KEEP carries one Adam (moments and step count) across a"
          + " policy's updates, as learn does; NEW starts a new Adam at every update. A policy's"
          + " :adam=keep|new overrides it.")
  @Default.Enum("KEEP")
  UpdateOptimizer getUpdateOptimizer();

  void setUpdateOptimizer(UpdateOptimizer value);

  /** Whether warm starts carry their optimiser state. */
  enum UpdateOptimizer {
    NEW,
    KEEP
  }

  @Description(
      "Learning rate of a warm-start update relative to --learningRate (learn uses 1: with the"
          + " optimiser kept, updates continue the training run at its rate).")
  @Default.Double(1.0)
  double getUpdateLearningRateFactor();

  void setUpdateLearningRateFactor(double value);

  @Description(
      "Trailing window a retrain from scratch trains on: the examples whose labels became known"
          + " in it, e.g. 14d.")
  @Default.String("14d")
  String getRetrainWindow();

  void setRetrainWindow(String value);

  @Description("Passes of a retrain from scratch over its window.")
  @Default.Integer(2)
  int getRetrainEpochs();

  void setRetrainEpochs(int value);

  @Description(
      "Replays of every policy that updates, with the training seeds --seed, --seed + 1, ...;"
          + " the report gives their mean and the range of NE. Retrains from scratch vary more"
          + " from seed to seed than warm starts, so compare policies on several repeats.")
  @Default.Integer(1)
  int getRepeats();

  void setRepeats(int value);

  @Description("Equal slices of evaluated stream time in the chart and the CSV's per-slice rows.")
  @Default.Integer(40)
  int getChartSlices();

  void setChartSlices(int value);

  @Description(
      "Directory for the working files (the labelled examples as JSON lines, per-policy results);"
          + " defaults to <output>/work.")
  String getWorkDir();

  void setWorkDir(String value);
}
