package dev.freshet.model.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The bandit's evidence, shared through the registry: {@code <registry>/online/posteriors.json}
 * holds each version's Beta posterior of its reward, written by the promoter (in {@code learn})
 * from labelled predictions and read by serve's watcher for Thompson sampling.
 */
public final class ArmPosteriors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ArmPosteriors() {}

  static ResourceId location(String registry) {
    return FileSystems.matchNewResource(registry, true)
        .resolve("online", StandardResolveOptions.RESOLVE_DIRECTORY)
        .resolve("posteriors.json", StandardResolveOptions.RESOLVE_FILE);
  }

  /** Replaces the file with {@code posteriors} (version to {alpha, beta}). */
  public static void write(String registry, Map<String, double[]> posteriors) throws IOException {
    ObjectNode root = JSON.createObjectNode().put("updated_at", Instant.now().toString());
    ObjectNode arms = root.putObject("posteriors");
    posteriors.forEach((v, ab) -> arms.putArray(v).add(ab[0]).add(ab[1]));
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(location(registry), MimeTypes.TEXT))) {
      JSON.writeValue(out, root);
    }
  }

  /** The posteriors by version; empty when the promoter has written none yet. */
  public static Map<String, double[]> read(String registry) throws IOException {
    Map<String, double[]> out = new HashMap<>();
    JsonNode root;
    try (InputStream in = Channels.newInputStream(FileSystems.open(location(registry)))) {
      root = JSON.readTree(in);
    } catch (FileNotFoundException e) {
      return out;
    }
    root.path("posteriors")
        .fields()
        .forEachRemaining(
            e ->
                out.put(
                    e.getKey(),
                    new double[] {e.getValue().get(0).asDouble(), e.getValue().get(1).asDouble()}));
    return out;
  }
}
