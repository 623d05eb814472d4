package dev.freshet.runners.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The flex templates' {@code metadata.json} files describe and validate every pipeline option. */
@RunWith(JUnit4.class)
public class TemplateMetadataTest {
  /** The templates' folder; Maven runs tests in the module folder. */
  static final Path DATAFLOW = Path.of("dataflow");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void everyTemplateAgreesWithItsPipelineOptions() throws IOException {
    for (FlexTemplate template : FlexTemplate.values()) {
      TemplateMetadata metadata = TemplateMetadata.read(template.metadata(DATAFLOW));
      assertThat(metadata.problems(template)).as(template.templateName()).isEmpty();
      assertThat(metadata.streaming()).isEqualTo(template.streaming());
    }
  }

  @Test
  public void validationRejectsWhatDataflowCannotUse() throws IOException {
    TemplateMetadata serve = TemplateMetadata.read(FlexTemplate.SERVE.metadata(DATAFLOW));
    TemplateMetadata.Parameter kafka = serve.parameter("bootstrapServers").orElseThrow();
    assertThat(kafka.accepts("kafka-0.internal:9092,10.0.0.7:9093")).isTrue();
    assertThat(kafka.accepts("kafka-0.internal")).isFalse();
    assertThat(kafka.accepts("a:9092, b:9092")).isFalse();
    TemplateMetadata.Parameter registry = serve.parameter("registry").orElseThrow();
    assertThat(registry.accepts("gs://acme-freshet-registry/models")).isTrue();
    assertThat(registry.accepts("out/registry")).isFalse();
    assertThat(serve.parameter("threshold").orElseThrow().accepts("1.5")).isFalse();

    TemplateMetadata train = TemplateMetadata.read(FlexTemplate.TRAIN.metadata(DATAFLOW));
    assertThat(train.parameter("holdoutFraction").orElseThrow().accepts("0.25")).isTrue();
    assertThat(train.parameter("holdoutFraction").orElseThrow().accepts("1")).isFalse();
    assertThat(train.parameter("hiddenLayers").orElseThrow().accepts("128,64,32")).isTrue();
    assertThat(train.parameter("hiddenLayers").orElseThrow().accepts("128,,32")).isFalse();
    assertThat(train.parameter("device").orElseThrow().accepts("tpu")).isFalse();
  }

  @Test
  public void learnValidationFollowsThePipelinesOwnChecks() throws IOException {
    TemplateMetadata learn = TemplateMetadata.read(FlexTemplate.LEARN.metadata(DATAFLOW));
    assertThat(learn.streaming()).isTrue();
    assertThat(learn.parameter("registry").orElseThrow().accepts("out/registry")).isFalse();
    assertThat(learn.parameter("microBatchSize").orElseThrow().accepts("0")).isFalse();
    // The online gate's normal approximation needs 30; alpha lies in (0, 0.5).
    assertThat(learn.parameter("minOnlineExamples").orElseThrow().accepts("30")).isTrue();
    assertThat(learn.parameter("minOnlineExamples").orElseThrow().accepts("29")).isFalse();
    TemplateMetadata.Parameter alpha = learn.parameter("onlineAlpha").orElseThrow();
    assertThat(alpha.accepts("0.01")).isTrue();
    assertThat(alpha.accepts("0.49")).isTrue();
    assertThat(alpha.accepts("0.5")).isFalse();
    assertThat(alpha.accepts("0")).isFalse();
    // The offline gate's calibration band [1/x, x] needs x > 1.
    TemplateMetadata.Parameter ratio = learn.parameter("maxCalibrationRatio").orElseThrow();
    assertThat(ratio.accepts("1.25")).isTrue();
    assertThat(ratio.accepts("10")).isTrue();
    assertThat(ratio.accepts("1.0")).isFalse();
    assertThat(ratio.accepts("0.8")).isFalse();
    assertThat(learn.parameter("calibrationWindow").orElseThrow().accepts("199")).isFalse();
    assertThat(learn.parameter("calibrationWindow").orElseThrow().accepts("200")).isTrue();
    assertThat(learn.parameter("learnRate").orElseThrow().accepts("1e-4")).isTrue();
    assertThat(learn.parameter("learnRate").orElseThrow().accepts("-0.1")).isFalse();
    assertThat(learn.parameter("promote").orElseThrow().accepts("yes")).isFalse();
  }

  @Test
  public void aParameterThatIsNoOptionIsReported() throws IOException {
    assertThat(
            plant(FlexTemplate.SERVE, m -> parameter(m, "bootstrapServers").put("name", "kafka")))
        .anyMatch(p -> p.contains("'kafka' is not an option of ServeOptions"))
        .anyMatch(p -> p.contains("option 'bootstrapServers'") && p.contains("is not described"));
  }

  @Test
  public void anUndescribedOptionIsReported() throws IOException {
    assertThat(plant(FlexTemplate.TRAIN, m -> remove(m, "epochs")))
        .anyMatch(p -> p.contains("option 'epochs' of ModelOptions is not described"));
  }

  @Test
  public void anUndescribedLearnOptionIsReported() throws IOException {
    assertThat(plant(FlexTemplate.LEARN, m -> remove(m, "gateEvery")))
        .anyMatch(p -> p.contains("option 'gateEvery' of LearnOptions is not described"));
    assertThat(
            plant(
                FlexTemplate.LEARN,
                m -> ((ArrayNode) parameter(m, "microBatchSize").get("regexes")).set(0, "^1$")))
        .anyMatch(p -> p.contains("'microBatchSize' rejects the option's own default '500'"));
  }

  @Test
  public void aRegexThatRejectsTheDefaultIsReported() throws IOException {
    assertThat(
            plant(
                FlexTemplate.SERVE,
                m -> ((ArrayNode) parameter(m, "eventsTopic").get("regexes")).set(0, "^x$")))
        .anyMatch(p -> p.contains("'eventsTopic' rejects the option's own default 'events'"));
  }

  @Test
  public void anOptionalRequiredOptionIsReported() throws IOException {
    assertThat(
            plant(
                FlexTemplate.SERVE, m -> parameter(m, "bootstrapServers").put("isOptional", true)))
        .anyMatch(p -> p.contains("'bootstrapServers' is @Validation.Required"));
  }

  @Test
  public void helpTextWithoutTheOptionsDescriptionIsReported() throws IOException {
    assertThat(plant(FlexTemplate.TRAIN, m -> parameter(m, "seed").put("helpText", "A seed.")))
        .anyMatch(p -> p.contains("'seed' helpText must contain the option's @Description"));
  }

  @Test
  public void theWrongStreamingModeIsReported() throws IOException {
    assertThat(plant(FlexTemplate.TRAIN, m -> m.put("streaming", true)))
        .anyMatch(p -> p.contains("\"streaming\" is true but the pipeline is batch"));
  }

  /** The problems of {@code template}'s real metadata after {@code change}. */
  private java.util.List<String> plant(FlexTemplate template, Consumer<ObjectNode> change)
      throws IOException {
    ObjectNode metadata = (ObjectNode) JSON.readTree(template.metadata(DATAFLOW).toFile());
    change.accept(metadata);
    Path planted = tmp.newFolder().toPath().resolve(template.templateName());
    Files.createDirectories(planted);
    Files.writeString(planted.resolve("metadata.json"), metadata.toPrettyString());
    return TemplateMetadata.read(template.metadata(planted.getParent())).problems(template);
  }

  private static ObjectNode parameter(ObjectNode metadata, String name) {
    for (var p : metadata.get("parameters")) {
      if (p.get("name").asText().equals(name)) {
        return (ObjectNode) p;
      }
    }
    throw new AssertionError("no parameter " + name);
  }

  private static void remove(ObjectNode metadata, String name) {
    ArrayNode parameters = (ArrayNode) metadata.get("parameters");
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i).get("name").asText().equals(name)) {
        parameters.remove(i);
        return;
      }
    }
    throw new AssertionError("no parameter " + name);
  }
}
