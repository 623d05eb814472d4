package dev.freshet.pipelines.cli.run;

import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.serve.ServeOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of {@code freshet run}: those of serve (Kafka, topics, runner, registry, routing, ...)
 * and learn (micro-batches, gates), plus the replayed stream. Without {@code --bootstrapServers} an
 * in-process broker is started.
 */
public interface RunOptions extends ServeOptions, LearnOptions {
  @Description(
      "Run the continual-learning loop alongside serve: learn updates a copy of production, gates it offline and online (serve routes by --routing, SHADOW unless given) and promotes it.")
  @Default.Boolean(true)
  boolean getLoop();

  void setLoop(boolean value);

  @Description(
      "When the new fraud pattern appears, as a fraction of the replayed stream (negative: no drift).")
  @Default.Double(0.3)
  double getDriftAt();

  void setDriftAt(double value);

  @Description(
      "Payments in the replayed stream (generated fresh, not the training sample); 0: 1,000 on the direct runner, 20,000 on Flink.")
  @Default.Long(0)
  long getReplayEvents();

  void setReplayEvents(long value);

  @Description(
      "Seed of the replayed stream; the model is trained on the committed sample (seed 42).")
  @Default.Long(7)
  long getStreamSeed();

  void setStreamSeed(long value);

  @Description(
      "Replay the stream this many times faster than event time (the stream has 0.1 payments/s); 0: 200 on the direct runner (20 payments/s, within what it sustains), 10000 on Flink (1,000 payments/s).")
  @Default.Double(0)
  double getSpeedup();

  void setSpeedup(double value);

  @Description(
      "Directory for this run's registry, stream files and report; defaults to out/runs/<time>.")
  String getWorkDir();

  void setWorkDir(String value);

  @Description("Give up waiting for predictions this long (seconds) after the replay ended.")
  @Default.Long(120)
  long getDrainSeconds();

  void setDrainSeconds(long value);

  @Description(
      "Run on a local cluster of separate processes (freshet cluster): start one in <workDir>/cluster (a Flink JobManager, two TaskManagers, three Kafka brokers), submit serve and learn to it as jobs, stop it at the end. Without it, --flinkMaster=localhost:PORT --bootstrapServers=... use a running cluster.")
  @Default.Boolean(false)
  boolean getCluster();

  void setCluster(boolean value);

  @Description(
      "Port of the live page (online NE over stream time, the loop's decisions, throughput, latency, drift), served while the run lasts; its address is printed. 0: a free port; -1: no page.")
  @Default.Integer(0)
  int getHttp();

  void setHttp(int value);

  @Description(
      "Address the live page listens on: 127.0.0.1 (this machine only) unless given, e.g. 0.0.0.0 for every interface.")
  @Default.String("127.0.0.1")
  String getHttpAddress();

  void setHttpAddress(String value);
}
