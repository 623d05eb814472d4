package dev.freshet.runners.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.serve.ServeOptions;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The {@code serve} flex template translated offline to the Dataflow job it would start: a
 * streaming job that keeps the feature and label state per key, scores, and carries the Kafka and
 * registry settings to its workers.
 */
@RunWith(JUnit4.class)
public class ServeTemplateTranslationTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String BOOTSTRAP = "kafka-0.internal:9092,kafka-1.internal:9092";
  private static final String REGISTRY = "gs://freshet-offline-registry/models";

  private static FeatureSpec spec;
  private static JsonNode job;
  private static PipelineProto pipeline;

  @BeforeClass
  public static void translate() throws IOException {
    Path dir = TMP.getRoot().toPath();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    job =
        DataflowTranslation.translate(
            dir,
            ServeOptions.class,
            DataflowTranslation.args(
                dir,
                "freshet-serve",
                "--bootstrapServers=" + BOOTSTRAP,
                "--registry=" + REGISTRY,
                "--spec=" + Domain.FRAUD.defaultSpec(),
                "--eventsTopic=payments",
                "--outcomesTopic=chargebacks",
                "--predictionsTopic=scores",
                "--consumerGroup=freshet-serve",
                "--threshold=0.7",
                "--driftWindow=30m",
                "--driftThreshold=0.25"),
            ServeTemplateTranslationTest::build);
    pipeline = PipelineProto.of(job);
  }

  private static org.apache.beam.sdk.Pipeline build(ServeOptions options) {
    try {
      return ServeTemplate.build(options, Specs.load(options));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  public void isAStreamingJobOnStreamingEngine() {
    assertThat(job.path("type").asText()).isEqualTo("JOB_TYPE_STREAMING");
    assertThat(DataflowTranslation.options(job).path("streaming").asBoolean()).isTrue();
    assertThat(job.path("environment").path("experiments").toString())
        .contains("enable_streaming_engine");
  }

  @Test
  public void keepsLabelAndFeatureStatePerKeyAndScores() throws IOException {
    List<String> stateful = pipeline.statefulSteps();
    assertThat(stateful).anyMatch(s -> s.startsWith("JoinLabels/"));
    // One keyed stage serves every entity key (its keys are stage and value), so a spec with more
    // keys adds no shuffle.
    assertThat(spec.keys()).hasSizeGreaterThan(1);
    assertThat(stateful)
        .as("the one stateful stage of all entity keys")
        .filteredOn(s -> s.startsWith("ExtractFeatures/EntitiesInArrivalOrder/"))
        .hasSize(1);
    assertThat(pipeline.steps())
        // A multi-output ParDo (predictions and, for the drift monitor, scored vectors).
        .anyMatch(s -> s.equals("Score"))
        .anyMatch(s -> s.startsWith("WritePredictions/"))
        .anyMatch(s -> s.startsWith("WriteDeadLetters/"))
        .anyMatch(s -> s.startsWith("DriftMonitor/CountBins/"))
        .anyMatch(s -> s.startsWith("WriteDriftEvents/"));
  }

  @Test
  public void carriesKafkaRegistryAndScoringOptionsToTheWorkers() {
    JsonNode options = DataflowTranslation.options(job);
    assertThat(options.path("bootstrapServers").asText()).isEqualTo(BOOTSTRAP);
    assertThat(options.path("registry").asText()).isEqualTo(REGISTRY);
    assertThat(options.path("eventsTopic").asText()).isEqualTo("payments");
    assertThat(options.path("outcomesTopic").asText()).isEqualTo("chargebacks");
    assertThat(options.path("predictionsTopic").asText()).isEqualTo("scores");
    assertThat(options.path("consumerGroup").asText()).isEqualTo("freshet-serve");
    assertThat(options.path("threshold").asDouble()).isEqualTo(0.7);
    assertThat(options.path("driftWindow").asText()).isEqualTo("30m");
    assertThat(options.path("driftThreshold").asDouble()).isEqualTo(0.25);
    assertThat(options.path("project").asText()).isEqualTo(DataflowTranslation.PROJECT);
    assertThat(options.path("region").asText()).isEqualTo(DataflowTranslation.REGION);
  }
}
