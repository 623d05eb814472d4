package dev.freshet.pipelines.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.transforms.features.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Small untrained models registered for serving tests (serving does not care how good they are).
 */
public final class TestModels {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestModels() {}

  /** Registers an initialised (untrained) model for {@code spec}, seeded, and returns its id. */
  static String register(ModelRegistry registry, FeatureSpec spec, long seed) throws Exception {
    return register(registry, FeatureLayouts.of(spec), seed);
  }

  static String register(ModelRegistry registry, FeatureLayout layout, long seed) throws Exception {
    return UntrainedModels.register(
        registry, layout, ModelConfig.builder().hiddenLayers(List.of(8)).seed(seed).build());
  }

  /**
   * Adds a version whose parameters are garbage but whose manifest records their checksum, so the
   * registry's promotion checks pass and only loading it fails: a corrupt model in production. The
   * template may be a native or an imported version (its {@code model.params} or {@code model.pt}
   * is replaced).
   */
  public static String registerUnloadable(Path registryDir, String template) throws Exception {
    String id = template + "-corrupt";
    Path from = registryDir.resolve("versions").resolve(template);
    Path to = Files.createDirectories(registryDir.resolve("versions").resolve(id));
    byte[] garbage = "not a model file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ObjectNode manifest = (ObjectNode) JSON.readTree(from.resolve("manifest.json").toFile());
    manifest.put("versionId", id);
    manifest.put(
        "parametersSha256",
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(garbage)));
    manifest.put("parametersSize", garbage.length);
    Files.write(to.resolve(manifest.get("parametersFile").asText()), garbage);
    Files.writeString(to.resolve("manifest.json"), manifest.toString());
    return id;
  }
}
