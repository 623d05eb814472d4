package dev.freshet.pipelines.learn;

import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/** Options of the unbounded {@code learn} pipeline. */
public interface LearnOptions extends SpecOptions, KafkaOptions, StreamingOptions {
  @Description(
      "Model registry on any Beam file system; learn starts from its production version (or its own latest candidate) and registers candidates there.")
  @Default.String("out/registry")
  String getRegistry();

  void setRegistry(String value);

  @Description("Labelled examples per warm-start update of the candidate copy.")
  @Default.Integer(500)
  int getMicroBatchSize();

  void setMicroBatchSize(int value);

  @Description(
      "Seconds a partial micro-batch may wait for more examples (processing time) before it is trained on anyway.")
  @Default.Long(30)
  long getMaxBatchWaitSeconds();

  void setMaxBatchWaitSeconds(long value);

  @Description("Micro-batches between offline gates (smoke test, then registration).")
  @Default.Integer(2)
  int getGateEvery();

  void setGateEvery(int value);

  @Description("Passes over each micro-batch in a warm-start update.")
  @Default.Integer(1)
  int getLearnEpochs();

  void setLearnEpochs(int value);

  @Description(
      "Normalisation the candidate copy standardises features with: 0 keeps the base version's statistics (values outside its training range are clipped to it); N > 0 follows the features, moving each micro-batch's mean, standard deviation and range towards its examples against a memory of about N examples, with the first layer rewritten so that the copy's predictions inside the old range are unchanged. For features that trend out of their training range (counters, dates); the offline gate judges such candidates as any other.")
  @Default.Long(0)
  long getNormalizationMemory();

  void setNormalizationMemory(long value);

  @Description(
      "Adam learning rate of the updates, which keep one optimiser across micro-batches; 0 uses the rate the base version was trained with.")
  @Default.Double(0)
  double getLearnRate();

  void setLearnRate(double value);

  @Description(
      "Offline gate: the candidate's normalised entropy on the smoke-test set may exceed production's by at most this fraction (0.05 = 5%).")
  @Default.Double(0.05)
  double getMaxNeRegression();

  void setMaxNeRegression(double value);

  @Description(
      "Offline gate: the candidate's calibration on the smoke-test set (mean prediction / positive rate) must lie in [1/x, x].")
  @Default.Double(2.0)
  double getMaxCalibrationRatio();

  void setMaxCalibrationRatio(double value);

  @Description(
      "Recent labelled examples whose scores, taken before the candidate trained on them, fit its calibration.")
  @Default.Integer(5000)
  int getCalibrationWindow();

  void setCalibrationWindow(int value);

  @Description(
      "Run the online gate: compare the challenger (newest candidate) with production on labelled predictions, promote, reject and roll back.")
  @Default.Boolean(true)
  boolean getPromote();

  void setPromote(boolean value);

  @Description(
      "While the newest candidate is under online evaluation (neither promoted nor rejected), register no newer one for this many hours of label time (the learner keeps training); 0: twice the spec's label window, the least a decision takes. Only with --promote.")
  @Default.Double(0)
  double getChallengerHoldHours();

  void setChallengerHoldHours(double value);

  @Description(
      "Online gate: labelled predictions each arm needs at the first look (the k-th look needs 2^k times as many).")
  @Default.Integer(500)
  int getMinOnlineExamples();

  void setMinOnlineExamples(int value);

  @Description("Online gate: positive labels each arm needs before a look.")
  @Default.Integer(10)
  int getMinOnlinePositives();

  void setMinOnlinePositives(int value);

  @Description(
      "Online gate: chance of promoting a challenger no better than production, over all looks (one-sided).")
  @Default.Double(0.05)
  double getOnlineAlpha();

  void setOnlineAlpha(double value);

  @Description("Online gate: looks before an undecided challenger is rejected as inconclusive.")
  @Default.Integer(4)
  int getOnlineLooks();

  void setOnlineLooks(int value);
}
