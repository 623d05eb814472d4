package dev.freshet.pipelines.serve;

import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
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
}
