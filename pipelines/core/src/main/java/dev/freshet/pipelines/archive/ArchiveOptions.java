package dev.freshet.pipelines.archive;

import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Options of the unbounded {@code archive} pipeline. The window policy options trade how long a
 * record may wait before it is on disk against how many files an hour's directory gets; see {@link
 * ArchivePipeline} for the policy and its bounds.
 */
public interface ArchiveOptions extends SpecOptions, KafkaOptions, StreamingOptions {
  @Description(
      "Directory on any Beam file system (local, gs://bucket/path) the Parquet files go to, as <archiveDir>/<stream>/date=YYYY-MM-DD/hour=HH/part-....parquet (stream: the spec's event and outcome names, and predictions).")
  String getArchiveDir();

  void setArchiveDir(String value);

  @Description(
      "Files written per stream, hour and pane (each shard is one writer): the number of files an hour gets when the watermark closes it. Raise it when one writer per hour cannot keep up.")
  @Default.Integer(1)
  int getNumShards();

  void setNumShards(int value);

  @Description(
      "Write an hour that the watermark has not closed yet anyway, this many minutes (processing time) after its first unwritten record arrived: bounds how long records wait when the watermark stalls (an idle partition holds it). 0 = only when the watermark passes the hour.")
  @Default.Long(90)
  long getEarlyFiringMinutes();

  void setEarlyFiringMinutes(long value);

  @Description(
      "How long (minutes of event time behind the watermark) records of an hour already written are still accepted; they go to extra files in the same hour's directory. Later ones are dropped by Beam's windowing (counted as droppedDueToLateness).")
  @Default.Long(1440)
  long getAllowedLatenessMinutes();

  void setAllowedLatenessMinutes(long value);

  @Description(
      "Late records of an hour already written are collected for this many minutes (processing time) after the first of them and written as one more file per shard.")
  @Default.Long(10)
  long getLateFiringMinutes();

  void setLateFiringMinutes(long value);

  @Description(
      "Archive the predictions topic too (each prediction with its feature vector and scores); the topic must exist.")
  @Default.Boolean(true)
  boolean getArchivePredictions();

  void setArchivePredictions(boolean value);
}
