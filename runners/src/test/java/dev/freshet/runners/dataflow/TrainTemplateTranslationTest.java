package dev.freshet.runners.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The {@code train} flex template translated offline to the Dataflow job it would start: a batch
 * job that computes features and natural labels with the serving transforms and fits, registers and
 * promotes the model on one worker, with the job's training options.
 */
@RunWith(JUnit4.class)
public class TrainTemplateTranslationTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

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
            TrainOptions.class,
            DataflowTranslation.args(
                dir,
                "freshet-train",
                "--registry=" + REGISTRY,
                "--events=" + TestDataFiles.fraudSampleEvents(),
                "--outcomes=" + TestDataFiles.fraudSampleOutcomes(),
                "--device=auto",
                "--epochs=3",
                "--positiveClassWeight=5"),
            TrainTemplateTranslationTest::build);
    pipeline = PipelineProto.of(job);
  }

  private static org.apache.beam.sdk.Pipeline build(TrainOptions options) {
    try {
      return TrainTemplate.build(options, Specs.load(options));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  public void isABatchJob() {
    assertThat(job.path("type").asText()).isEqualTo("JOB_TYPE_BATCH");
    assertThat(DataflowTranslation.options(job).path("streaming").asBoolean()).isFalse();
  }

  @Test
  public void groupsLabelsAndFeaturesPerKeyThenFitsOnOneWorker() {
    List<String> grouping = pipeline.groupingSteps();
    assertThat(grouping).anyMatch(s -> s.startsWith("JoinLabels/"));
    // One grouping stage serves every entity key (its keys are stage and value).
    assertThat(spec.keys()).hasSizeGreaterThan(1);
    assertThat(grouping)
        .as("the grouping stage of all entity keys")
        .anyMatch(s -> s.startsWith("ExtractFeatures/GroupByEntity/"));
    assertThat(grouping).contains("FitAndRegister/AllExamples");
    assertThat(pipeline.steps())
        .anyMatch(s -> s.startsWith("TrainingExamples/"))
        .anyMatch(s -> s.startsWith("FitAndRegister/Fit/"));
  }

  @Test
  public void carriesTrainingOptionsToTheWorkers() {
    JsonNode options = DataflowTranslation.options(job);
    assertThat(options.path("registry").asText()).isEqualTo(REGISTRY);
    assertThat(options.path("events").asText())
        .isEqualTo(TestDataFiles.fraudSampleEvents().toString());
    assertThat(options.path("device").asText()).isEqualTo("auto");
    assertThat(options.path("epochs").asInt()).isEqualTo(3);
    assertThat(options.path("positiveClassWeight").asDouble()).isEqualTo(5.0);
  }

  @Test
  public void writesFeatureStatisticsUnderTheTempLocation() {
    TrainOptions options = PipelineOptionsFactory.as(TrainOptions.class);
    options.setTempLocation("gs://bucket/tmp");
    options.setJobName("train-1");
    assertThat(TrainTemplate.statsPath(options))
        .isEqualTo("gs://bucket/tmp/freshet-train/train-1/feature-stats.json");
    options.setTempLocation(null);
    assertThatThrownBy(() -> TrainTemplate.statsPath(options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--tempLocation");
  }
}
