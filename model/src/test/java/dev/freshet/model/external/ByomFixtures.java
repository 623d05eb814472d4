package dev.freshet.model.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.FeatureLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models {@code testdata/byom/make_models.py} made with real PyTorch, the fraud feature vectors
 * it scored and PyTorch's outputs for them (see that script).
 */
public final class ByomFixtures {
  public final Path dir;
  public final JsonNode metadata;

  /** Event id to raw feature vector, in file order. */
  public final Map<String, float[]> vectors = new LinkedHashMap<>();

  /** Event id to PyTorch's output of the named model ("mlp": logit, "cross": probability). */
  public final Map<String, Map<String, Double>> expected = new LinkedHashMap<>();

  private ByomFixtures(Path dir) throws IOException {
    this.dir = dir;
    this.metadata = new ObjectMapper().readTree(dir.resolve("metadata.json").toFile());
    List<String> vectorLines = Files.readAllLines(dir.resolve("vectors.csv"));
    for (String line : vectorLines.subList(1, vectorLines.size())) {
      String[] f = line.split(",");
      float[] v = new float[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        v[i - 1] = Float.parseFloat(f[i]);
      }
      vectors.put(f[0], v);
    }
    List<String> expectedLines = Files.readAllLines(dir.resolve("expected.csv"));
    String[] header = expectedLines.get(0).split(",");
    for (String line : expectedLines.subList(1, expectedLines.size())) {
      String[] f = line.split(",");
      Map<String, Double> outputs = new LinkedHashMap<>();
      for (int i = 1; i < f.length; i++) {
        outputs.put(header[i], Double.parseDouble(f[i]));
      }
      expected.put(f[0], outputs);
    }
  }

  /** Finds {@code testdata/byom} above the working directory (Maven runs tests in the module). */
  public static ByomFixtures load() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("testdata").resolve("byom");
      if (Files.isRegularFile(candidate.resolve("metadata.json"))) {
        try {
          return new ByomFixtures(candidate);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new IllegalStateException("no testdata/byom above " + Path.of("").toAbsolutePath());
  }

  /** The column names, in the vector order the script used. */
  public List<String> columnNames() {
    List<String> names = new ArrayList<>();
    metadata.get("columns").forEach(c -> names.add(c.get("name").asText()));
    return names;
  }

  /** A layout with the script's columns (for tests without the spec), under {@code fingerprint}. */
  public FeatureLayout layout(String fingerprint) {
    FeatureLayout.Builder b = FeatureLayout.builder(fingerprint);
    for (JsonNode c : metadata.get("columns")) {
      if (c.get("kind").asText().equals("CATEGORICAL")) {
        b.categorical(c.get("name").asText(), c.get("buckets").asInt());
      } else {
        b.numeric(c.get("name").asText());
      }
    }
    return b.build();
  }

  public byte[] bytes(String file) {
    try {
      return Files.readAllBytes(dir.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public float[][] rows() {
    return vectors.values().toArray(new float[0][]);
  }

  /** PyTorch's output of {@code model} for every row, in {@link #rows()} order. */
  public double[] expected(String model) {
    return expected.values().stream().mapToDouble(m -> m.get(model)).toArray();
  }
}
