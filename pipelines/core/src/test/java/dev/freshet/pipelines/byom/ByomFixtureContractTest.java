package dev.freshet.pipelines.byom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.FeatureLayout;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * The column-order contract of the bring-your-own-model fixtures: make_models.py built its vectors
 * (and its models' inputs) in the fraud spec's column order, as Freshet feeds imported networks.
 */
public class ByomFixtureContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  public void theFixturesWereMadeInTheSpecsColumnOrder() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    JsonNode metadata = JSON.readTree(TestDataFiles.root().resolve("byom/metadata.json").toFile());
    FeatureLayout layout = FeatureLayouts.of(spec);
    List<String> fixture = new ArrayList<>();
    metadata
        .get("columns")
        .forEach(
            c ->
                fixture.add(
                    c.get("name").asText()
                        + ":"
                        + c.get("kind").asText()
                        + ":"
                        + c.get("buckets").asInt()));
    List<String> specColumns =
        layout.columns().stream().map(c -> c.name() + ":" + c.kind() + ":" + c.buckets()).toList();
    assertThat(fixture).isEqualTo(specColumns);
    assertThat(metadata.get("spec").asText()).isEqualTo(spec.name());
  }
}
