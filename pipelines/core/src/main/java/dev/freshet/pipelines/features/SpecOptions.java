package dev.freshet.pipelines.features;

import dev.freshet.pipelines.Domain;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Which feature spec a pipeline computes: a domain's own, or one given by path. */
public interface SpecOptions extends PipelineOptions {
  @Description("Example domain whose test data and spec are the defaults: FRAUD or FLIGHTS.")
  @Default.Enum("FRAUD")
  Domain getDomain();

  void setDomain(Domain value);

  @Description(
      "Feature spec (YAML or JSON) on any Beam file system; defaults to the domain's spec in testdata/.")
  String getSpec();

  void setSpec(String value);
}
