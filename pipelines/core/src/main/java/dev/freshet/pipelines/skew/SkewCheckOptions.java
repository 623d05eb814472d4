package dev.freshet.pipelines.skew;

import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.kafka.KafkaClientOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code freshet skew-check}: the log, what to compare it with, and the thresholds. */
public interface SkewCheckOptions extends SpecOptions, KafkaClientOptions {
  /** Which comparisons to run. */
  enum Check {
    /** The bounded path against the streaming path over the event log. */
    STREAMING,
    /** The vectors logged with predictions against the vectors recomputed in batch. */
    LOGGED,
    /** Both. */
    BOTH
  }

  @Description(
      "Events: a JSON-lines (.jsonl, .json, .gz), CSV with a header line (.csv, .csv.gz) or Parquet (.parquet) file pattern; defaults to the domain's test data.")
  String getEvents();

  void setEvents(String value);

  @Description(
      "Outcomes (labels) file pattern, same formats as --events; defaults to the domain's test data. Not used for FLIGHTS, whose file holds both.")
  String getOutcomes();

  void setOutcomes(String value);

  @Description(
      "STREAMING: bounded path vs streaming path over the log; LOGGED: vectors logged with predictions vs recomputed in batch; BOTH.")
  @Default.Enum("STREAMING")
  Check getCheck();

  void setCheck(Check value);

  @Description(
      "Feature spec the streaming path computes; defaults to --spec. A spec with the same columns computed differently shows what a change would skew.")
  String getStreamingSpec();

  void setStreamingSpec(String value);

  @Description(
      "Replay only the first N events (in event time; ties with the N-th kept) through the streaming path; 0 = the whole log. The replayed log is held in the launcher's memory.")
  @Default.Integer(0)
  int getMaxEvents();

  void setMaxEvents(int value);

  @Description(
      "Largest absolute difference between two feature values that still counts as equal; 0 = exact equality.")
  @Default.Double(0)
  double getTolerance();

  void setTolerance(double value);

  @Description(
      "Largest share (0..1) of divergent events that passes; more exits with status 1. 0 by default: vectors must be bit-identical.")
  @Default.Double(0)
  double getMaxDivergence();

  void setMaxDivergence(double value);

  @Description("How many differing events to show (event id, features, both values).")
  @Default.Integer(10)
  int getExamples();

  void setExamples(int value);

  @Description("Where to write the JSON report (any Beam file system); printed only when unset.")
  String getReport();

  void setReport(String value);

  @Description(
      "Logged predictions: a file pattern of JSON lines, one prediction record each (as serve writes them). Or use --bootstrapServers.")
  String getPredictions();

  void setPredictions(String value);

  @Description(
      "Kafka bootstrap servers to read --predictionsTopic from (instead of --predictions).")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Topic of the predictions serve logged.")
  @Default.String("predictions")
  String getPredictionsTopic();

  void setPredictionsTopic(String value);

  @Description(
      "Read this many prediction records from the start of --predictionsTopic; 0 = every record the topic holds when the check starts.")
  @Default.Long(0)
  long getMaxRecords();

  void setMaxRecords(long value);

  @Description(
      "Stop reading --predictionsTopic after this many seconds even if fewer records came.")
  @Default.Long(300)
  long getMaxReadSeconds();

  void setMaxReadSeconds(long value);

  @Description(
      "Model registry (any Beam file system) to rescore recomputed vectors with each prediction's model version; a version it lacks is reported as not rescored.")
  @Default.String("out/registry")
  String getRegistry();

  void setRegistry(String value);
}
