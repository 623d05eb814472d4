package dev.freshet.pipelines.features;

import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;

/**
 * The feature spec a pipeline's options name, loaded the same way by every command, the worker
 * jar's main class and the Dataflow templates.
 */
public final class Specs {
  private Specs() {}

  /**
   * Checks the data options (failing fast, naming the option, when a pattern matches no file) and
   * loads the spec: the given one or the domain's. Registers the options' file systems first, so
   * {@code gs://} and other schemes on the class path resolve.
   */
  public static FeatureSpec load(SpecOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    if (options instanceof FeaturesOptions files) {
      requireFiles("--events", files.getEvents());
      requireFiles("--outcomes", files.getOutcomes());
    }
    requireFiles("--spec", options.getSpec());
    return FeatureSpecs.load(
        options.getSpec() != null ? options.getSpec() : options.getDomain().defaultSpec());
  }

  /** Fails fast, naming the option, when a given file pattern matches nothing. */
  public static void requireFiles(String option, String pattern) throws IOException {
    if (pattern != null
        && FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata().isEmpty()) {
      throw new IllegalArgumentException(
          option + "=" + pattern + " matches no file; check the path (local, gs://, ...)");
    }
  }
}
