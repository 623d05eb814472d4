package dev.freshet.runners.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The {@code learn} flex template translated offline to the Dataflow job it would start: a
 * streaming job on Streaming Engine that joins logged predictions with outcomes in per-key state,
 * gathers the labelled examples into micro-batches (stateful {@code GroupIntoBatches}) for the
 * learner and the online promoter, and whose learner and promoter carry the registry and the gate
 * settings the template was given.
 */
@RunWith(JUnit4.class)
public class LearnTemplateTranslationTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String BOOTSTRAP = "kafka-0.internal:9092,kafka-1.internal:9092";
  private static final String REGISTRY = "gs://freshet-offline-registry/models";

  private static JsonNode job;
  private static PipelineProto pipeline;

  @BeforeClass
  public static void translate() throws IOException {
    Path dir = TMP.newFolder("translation").toPath();
    job =
        DataflowTranslation.translate(
            dir,
            LearnTemplate::parse,
            DataflowTranslation.args(
                dir,
                "freshet-learn",
                "--bootstrapServers=" + BOOTSTRAP,
                "--registry=" + REGISTRY,
                "--spec=" + Domain.FRAUD.defaultSpec(),
                "--predictionsTopic=scores",
                "--outcomesTopic=chargebacks",
                "--modelEventsTopic=lifecycle",
                "--microBatchSize=250",
                "--maxBatchWaitSeconds=15",
                "--gateEvery=3",
                "--learnEpochs=2",
                "--maxNeRegression=0.02",
                "--maxCalibrationRatio=1.5",
                "--minOnlineExamples=200",
                "--onlineAlpha=0.01",
                "--onlineLooks=3"),
            LearnTemplateTranslationTest::build);
    pipeline = PipelineProto.of(job);
  }

  private static org.apache.beam.sdk.Pipeline build(LearnOptions options) {
    try {
      return LearnTemplate.build(options, Specs.load(options));
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
  public void joinsLabelsAndLearnsInLabelTimeOrderInStateThenPromotes() throws IOException {
    assertThat(pipeline.statefulSteps())
        .anyMatch(s -> s.startsWith("JoinLabels/"))
        .anyMatch(s -> s.startsWith("Learn/"))
        .anyMatch(s -> s.startsWith("PromoterBatches/"));
    assertThat(pipeline.steps())
        .anyMatch(s -> s.startsWith("ReadPredictions/"))
        .anyMatch(s -> s.startsWith("ReadOutcomes/"))
        .anyMatch(s -> s.startsWith("Learn/"))
        .anyMatch(s -> s.startsWith("Promote/"))
        .anyMatch(s -> s.startsWith("WriteModelEvents/"))
        .anyMatch(s -> s.startsWith("AllModelEvents"))
        .anyMatch(s -> s.startsWith("WriteDeadLetters/"))
        // It learns from what serve logged; it neither reads events nor scores.
        .noneMatch(s -> s.startsWith("ReadEvents/") || s.startsWith("Score/"));
  }

  @Test
  public void microBatchesHaveTheGivenSizeAndWait() throws Exception {
    DoFn<?, ?> learn = pipeline.doFn("Learn/ParMultiDo(Learn)");
    assertThat(field(learn, "config", "microBatchSize")).isEqualTo(250);
    assertThat(field(learn, "config", "maxWaitSeconds")).isEqualTo(15L);
    assertThat(pipeline.groupIntoBatches("PromoterBatches").getMaxBufferingDurationMillis())
        .isEqualTo(15_000);
  }

  @Test
  public void learnerAndPromoterCarryTheRegistryAndGateSettings() throws Exception {
    DoFn<?, ?> learn = pipeline.doFn("Learn/ParMultiDo(Learn)");
    assertThat(field(learn, "config", "registry")).isEqualTo(REGISTRY);
    assertThat(field(learn, "config", "spec", "name"))
        .isEqualTo(FeatureSpecs.load(Domain.FRAUD.defaultSpec()).name());
    assertThat(field(learn, "config", "settings", "gateEvery")).isEqualTo(3);
    assertThat(field(learn, "config", "settings", "epochs")).isEqualTo(2);
    assertThat(field(learn, "config", "settings", "gate", "maxNeRegression")).isEqualTo(0.02);
    assertThat(field(learn, "config", "settings", "gate", "maxCalibrationRatio")).isEqualTo(1.5);

    DoFn<?, ?> promote = pipeline.doFn("Promote/ParMultiDo(Promote)");
    assertThat(field(promote, "registry")).isEqualTo(REGISTRY);
    assertThat(field(promote, "rule", "minExamples")).isEqualTo(200);
    assertThat(field(promote, "rule", "alpha")).isEqualTo(0.01);
    assertThat(field(promote, "rule", "looks")).isEqualTo(3);
  }

  @Test
  public void carriesKafkaRegistryAndLearningOptionsToTheWorkers() {
    JsonNode options = DataflowTranslation.options(job);
    assertThat(options.path("bootstrapServers").asText()).isEqualTo(BOOTSTRAP);
    assertThat(options.path("registry").asText()).isEqualTo(REGISTRY);
    assertThat(options.path("predictionsTopic").asText()).isEqualTo("scores");
    assertThat(options.path("outcomesTopic").asText()).isEqualTo("chargebacks");
    assertThat(options.path("modelEventsTopic").asText()).isEqualTo("lifecycle");
    assertThat(options.path("microBatchSize").asInt()).isEqualTo(250);
    assertThat(options.path("gateEvery").asInt()).isEqualTo(3);
    assertThat(options.path("maxNeRegression").asDouble()).isEqualTo(0.02);
    // Not given: the template's own group, apart from serve's.
    assertThat(options.path("consumerGroup").asText()).isEqualTo(LearnJob.DEFAULT_CONSUMER_GROUP);
    assertThat(options.path("project").asText()).isEqualTo(DataflowTranslation.PROJECT);
  }

  @Test
  public void aGivenConsumerGroupIsKept() {
    LearnOptions options =
        LearnTemplate.parse("--bootstrapServers=" + BOOTSTRAP, "--consumerGroup=learn-eu");
    assertThat(options.getConsumerGroup()).isEqualTo("learn-eu");
  }

  @Test
  public void refusesToLaunchWithoutAProductionModel() throws IOException {
    String empty = TMP.newFolder("empty-registry").toString();
    assertThatThrownBy(
            () ->
                LearnJob.requireLearnableRegistry(
                    empty, FeatureSpecs.load(Domain.FRAUD.defaultSpec())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no production model")
        .hasMessageContaining("Train one first");
  }

  /**
   * The value at {@code path} of fields (record components are fields too) below {@code o}: what
   * the serialised DoFn will hold on the workers.
   */
  private static Object field(Object o, String... path) throws IllegalAccessException {
    Object value = o;
    for (String name : path) {
      Field f = find(value.getClass(), name);
      f.setAccessible(true);
      value = f.get(value);
    }
    return value;
  }

  private static Field find(Class<?> type, String name) {
    List<String> names = new ArrayList<>();
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getName().equals(name)) {
          return f;
        }
        names.add(f.getName());
      }
    }
    throw new AssertionError(type.getName() + " has no field '" + name + "'; it has " + names);
  }
}
