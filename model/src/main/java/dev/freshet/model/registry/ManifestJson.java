package dev.freshet.model.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.external.ExternalNetwork;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.transforms.drift.DriftReference;
import dev.freshet.transforms.drift.FeatureBins;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** JSON forms of the manifest, status events and the production pointer. */
final class ManifestJson {
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ManifestJson() {}

  static byte[] write(ModelManifest m) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("formatVersion", m.formatVersion());
    root.put("versionId", m.versionId());
    root.put("createdAt", m.createdAt().toString());
    root.put("network", m.network());
    root.set("config", MAPPER.valueToTree(m.config()));
    root.set("layout", MAPPER.valueToTree(m.layout()));
    root.set("normalization", MAPPER.valueToTree(m.normalization()));
    root.set("calibration", MAPPER.valueToTree(m.calibration()));
    root.put("parentVersion", m.parentVersion());
    ObjectNode range = root.putObject("dataRange");
    range.put("minEventTime", m.dataRange().minEventTime().toString());
    range.put("maxEventTime", m.dataRange().maxEventTime().toString());
    range.put("exampleCount", m.dataRange().exampleCount());
    ObjectNode metrics = root.putObject("metrics");
    new TreeMap<>(m.metrics()).forEach(metrics::put);
    root.put("parametersFile", m.parametersFile());
    root.put("parametersSha256", m.parametersSha256());
    root.put("parametersSize", m.parametersSize());
    if (m.driftReference() != null) {
      root.set("driftReference", write(m.driftReference()));
    }
    if (m.external() != null) {
      ObjectNode external = root.putObject("external");
      external.put("format", m.external().format().name());
      external.put("output", m.external().output().name());
      external.put("standardized", m.external().standardized());
      external.put("sourceFile", m.external().sourceFile());
      external.put("sourceSha256", m.external().sourceSha256());
    }
    return bytes(root);
  }

  /**
   * {examples, features: [{name, categorical, edges[], proportions[] (missing bin last), min, max
   * (numeric features; absent in references stored before ranges were kept)}]}.
   */
  private static ObjectNode write(DriftReference reference) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("examples", reference.examples());
    com.fasterxml.jackson.databind.node.ArrayNode features = node.putArray("features");
    for (FeatureBins f : reference.features()) {
      ObjectNode feature = features.addObject();
      feature.put("name", f.feature());
      feature.put("categorical", f.categorical());
      com.fasterxml.jackson.databind.node.ArrayNode edges = feature.putArray("edges");
      for (double e : f.edges()) {
        edges.add(e);
      }
      com.fasterxml.jackson.databind.node.ArrayNode proportions = feature.putArray("proportions");
      for (double p : f.proportions()) {
        proportions.add(p);
      }
      if (f.hasRange()) {
        feature.put("min", f.min());
        feature.put("max", f.max());
      }
    }
    return node;
  }

  private static DriftReference readDriftReference(JsonNode node) {
    List<FeatureBins> features = new ArrayList<>();
    for (JsonNode f : node.get("features")) {
      features.add(
          FeatureBins.of(
              f.get("name").asText(),
              f.get("categorical").asBoolean(),
              doubles(f.get("edges")),
              doubles(f.get("proportions")),
              f.path("min").asDouble(Double.NaN),
              f.path("max").asDouble(Double.NaN)));
    }
    return DriftReference.of(features, node.get("examples").asLong());
  }

  private static double[] doubles(JsonNode array) {
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }

  static ModelManifest readManifest(byte[] json) throws IOException {
    JsonNode n = MAPPER.readTree(json);
    JsonNode range = n.get("dataRange");
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.get("metrics").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      metrics.put(e.getKey(), e.getValue().asDouble(Double.NaN));
    }
    return new ModelManifest(
        n.get("formatVersion").asInt(),
        n.get("versionId").asText(),
        Instant.parse(n.get("createdAt").asText()),
        n.get("network").asText(),
        MAPPER.treeToValue(n.get("config"), ModelConfig.class),
        MAPPER.treeToValue(n.get("layout"), FeatureLayout.class),
        MAPPER.treeToValue(n.get("normalization"), NormalizationStats.class),
        MAPPER.treeToValue(n.get("calibration"), PlattCalibration.class),
        n.get("parentVersion").isNull() ? null : n.get("parentVersion").asText(),
        new DataRange(
            Instant.parse(range.get("minEventTime").asText()),
            Instant.parse(range.get("maxEventTime").asText()),
            range.get("exampleCount").asLong()),
        metrics,
        n.get("parametersFile").asText(),
        n.get("parametersSha256").asText(),
        n.get("parametersSize").asLong(),
        // Optional: manifests registered before drift monitoring have none.
        n.hasNonNull("driftReference") ? readDriftReference(n.get("driftReference")) : null,
        // Optional: only imported networks have one.
        n.hasNonNull("external") ? readExternal(n.get("external")) : null);
  }

  private static ExternalNetwork readExternal(JsonNode n) {
    return new ExternalNetwork(
        NetworkFormat.valueOf(n.get("format").asText()),
        OutputKind.valueOf(n.get("output").asText()),
        n.get("standardized").asBoolean(),
        n.get("sourceFile").asText(),
        n.get("sourceSha256").asText());
  }

  static byte[] write(StatusEvent e) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("status", e.status().name());
    root.put("reason", e.reason());
    root.put("at", e.at().toString());
    return bytes(root);
  }

  static StatusEvent readStatus(byte[] json) throws IOException {
    JsonNode n = MAPPER.readTree(json);
    return new StatusEvent(
        ModelStatus.valueOf(n.get("status").asText()),
        n.get("reason").asText(),
        Instant.parse(n.get("at").asText()));
  }

  /** Production pointer: the current version and the stack of earlier ones, newest first. */
  record Pointer(String version, List<String> previous, Instant updatedAt) {}

  static byte[] write(Pointer p) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", p.version());
    com.fasterxml.jackson.databind.node.ArrayNode previous = root.putArray("previous");
    p.previous().forEach(previous::add);
    root.put("updatedAt", p.updatedAt().toString());
    return bytes(root);
  }

  static Pointer readPointer(byte[] json) throws IOException {
    JsonNode n = MAPPER.readTree(json);
    List<String> previous = new ArrayList<>();
    n.get("previous").forEach(v -> previous.add(v.asText()));
    return new Pointer(
        n.get("version").asText(),
        List.copyOf(previous),
        Instant.parse(n.get("updatedAt").asText()));
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
