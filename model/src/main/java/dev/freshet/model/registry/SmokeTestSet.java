package dev.freshet.model.registry;

import dev.freshet.model.examples.Example;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The fixed smoke-test set of a feature spec: labelled feature vectors that {@code train} writes
 * (its holdout) to {@code <registry>/smoke-test/<fingerprint, 16 hex>.jsonl} and that the offline
 * gate judges every candidate on. Fixed, so candidates are compared on the same examples.
 */
public record SmokeTestSet(float[][] features, float[] labels) {

  /** Where the set of {@code spec} lives in {@code registry}. */
  public static ResourceId location(String registry, FeatureSpec spec) {
    return FileSystems.matchNewResource(registry, true)
        .resolve("smoke-test", StandardResolveOptions.RESOLVE_DIRECTORY)
        .resolve(
            spec.fingerprint().substring(0, 16) + ".jsonl", StandardResolveOptions.RESOLVE_FILE);
  }

  /** Writes {@code examples} as the set of {@code spec}, replacing any earlier one. */
  public static void write(String registry, FeatureSpec spec, List<Example> examples)
      throws IOException {
    try (Writer w =
        Channels.newWriter(
            FileSystems.create(location(registry, spec), MimeTypes.TEXT), StandardCharsets.UTF_8)) {
      for (Example e : examples) {
        w.write(e.toJson());
        w.write('\n');
      }
    }
  }

  /** Reads the set of {@code spec}; fails saying how to create it when there is none. */
  public static SmokeTestSet read(String registry, FeatureSpec spec) throws IOException {
    ResourceId file = location(registry, spec);
    List<Example> examples = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            Channels.newReader(FileSystems.open(file), StandardCharsets.UTF_8.name()))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          examples.add(Example.parse(line));
        }
      }
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "no smoke-test set for spec '"
              + spec.name()
              + "' at "
              + file
              + "; freshet train --registry="
              + registry
              + " writes it (its holdout)",
          e);
    }
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("the smoke-test set " + file + " is empty");
    }
    return new SmokeTestSet(Example.features(examples), Example.labels(examples));
  }
}
