package dev.freshet.pipelines.features;

import dev.freshet.pipelines.Domain;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Options of the {@code features} pipeline: which data, which spec, where to write. */
public interface FeaturesOptions extends PipelineOptions {
  @Description("Example domain whose test data and spec are the defaults: FRAUD or FLIGHTS.")
  @Default.Enum("FRAUD")
  Domain getDomain();

  void setDomain(Domain value);

  @Description(
      "Feature spec (YAML or JSON) on any Beam file system; defaults to the domain's spec in testdata/.")
  String getSpec();

  void setSpec(String value);

  @Description(
      "Events: a JSON-lines (.jsonl, .json, .gz) or Parquet (.parquet) file pattern; defaults to the domain's test data.")
  String getEvents();

  void setEvents(String value);

  @Description(
      "Outcomes (labels) file pattern, same formats as --events; defaults to the domain's test data. Not used for FLIGHTS, whose file holds both.")
  String getOutcomes();

  void setOutcomes(String value);

  @Description(
      "Directory to write featured events (JSON lines with id, time, label and the vector) and dead letters; nothing is written when unset.")
  String getOutput();

  void setOutput(String value);
}
