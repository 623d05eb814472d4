package dev.freshet.pipelines.features;

import org.apache.beam.sdk.options.Description;

/** Options of the {@code features} pipeline: which data, which spec, where to write. */
public interface FeaturesOptions extends SpecOptions {
  @Description(
      "Events: a JSON-lines (.jsonl, .json, .gz), CSV with a header line (.csv, .csv.gz) or Parquet (.parquet) file pattern; defaults to the domain's test data.")
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
