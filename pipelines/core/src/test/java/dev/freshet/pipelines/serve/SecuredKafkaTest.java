package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Serve on a broker that takes SASL/PLAIN clients only: without credentials, or with wrong ones, it
 * fails before starting, naming the servers and what went wrong; with them (from a properties file)
 * it scores end to end; the password never shows in what it prints, in its errors or in the job
 * graph's display data.
 */
public class SecuredKafkaTest {
  private static final String USER = "freshet";
  private static final String PASSWORD = "pw-7f3a9c-do-not-print";
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.startWithSaslPlain(USER, PASSWORD);
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    KafkaTopics.create(
        kafka.bootstrapServers(),
        1,
        List.of("s-events", "s-outcomes", "s-predictions", "s-dead", "s-models"));
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  private Path clientProperties(String password) throws Exception {
    Path file = tmp.newFile().toPath();
    Files.writeString(
        file,
        String.join(
            "\n",
            "security.protocol=SASL_PLAINTEXT",
            "sasl.mechanism=PLAIN",
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\""
                + USER
                + "\" password=\""
                + password
                + "\";"));
    return file;
  }

  private List<String> args(String registry, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrapServers=" + kafka.saslBootstrapServers(),
                "--eventsTopic=s-events",
                "--outcomesTopic=s-outcomes",
                "--predictionsTopic=s-predictions",
                "--deadLettersTopic=s-dead",
                "--modelEventsTopic=s-models",
                "--startOffset=EARLIEST",
                "--modelPollMillis=200",
                "--registry=" + registry));
    args.addAll(List.of(more));
    return args;
  }

  private String registry() throws Exception {
    String dir = tmp.newFolder("registry").toString();
    ModelRegistry registry = ModelRegistry.at(dir);
    registry.promote(TestModels.register(registry, spec, 1));
    return dir;
  }

  @Test
  public void withoutCredentialsServeFailsFastNamingTheServers() throws Exception {
    List<String> args = args(registry());
    ServeOptions options = ServeJob.parse(args.toArray(new String[0]));
    assertThatThrownBy(() -> ServeJob.start(options, new PrintStream(new ByteArrayOutputStream())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(kafka.saslBootstrapServers())
        .hasMessageContaining("--kafkaProperties");
  }

  @Test
  public void wrongCredentialsAreNamedAsSuchAndTheSecretIsNotShown() throws Exception {
    String wrong = "not-the-" + PASSWORD;
    List<String> args = args(registry(), "--kafkaProperties=" + clientProperties(wrong));
    ServeOptions options = ServeJob.parse(args.toArray(new String[0]));
    assertThatThrownBy(() -> ServeJob.start(options, new PrintStream(new ByteArrayOutputStream())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(kafka.saslBootstrapServers())
        .hasMessageContaining("refused this client")
        .hasMessageContaining("sasl.jaas.config=[hidden]")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
  }

  @Test
  public void aSecretOnTheCommandLineIsRefusedNamingTheFileOption() {
    assertThatThrownBy(
            () ->
                KafkaClients.of(
                    kafka.saslBootstrapServers(),
                    null,
                    List.of("sasl.jaas.config=x required password=\"" + PASSWORD + "\";")))
        .hasMessageContaining("--kafkaProperties")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
  }

  @Test
  public void withCredentialsServeScoresEndToEndAndKeepsTheSecretOutOfSight() throws Exception {
    List<String> events = Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 50);
    Map<String, Object> client =
        KafkaClients.of(
                kafka.saslBootstrapServers(), clientProperties(PASSWORD).toString(), List.of())
            .config(Map.of());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
      for (String e : events) {
        long time = Instant.parse(JSON.readTree(e).get("event_time").asText()).toEpochMilli();
        producer.send(new ProducerRecord<>("s-events", null, time, "k", e));
      }
    }
    ServeOptions options =
        ServeJob.parse(
            args(
                    registry(),
                    "--kafkaProperties=" + clientProperties(PASSWORD),
                    "--kafkaProperty=linger.ms=0")
                .toArray(new String[0]));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PipelineResult serving =
        ServeJob.start(options, new PrintStream(printed, true, StandardCharsets.UTF_8));
    Set<String> predicted = new HashSet<>();
    try (TopicTail tail = TopicTail.of(client, List.of("s-predictions"))) {
      assertThat(
              tail.pollUntil(
                  () -> predicted.size() >= events.size(), WAIT, r -> predicted.add(r.key())))
          .as("predictions through the SASL listener")
          .isTrue();
    } finally {
      serving.cancel();
    }
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains(kafka.saslBootstrapServers())
        .contains("security.protocol=SASL_PLAINTEXT")
        .contains("sasl.jaas.config=[hidden]")
        .doesNotContain(PASSWORD);
    assertThat(displayData(options)).doesNotContain(PASSWORD).isNotEmpty();
    assertThat(options.toString()).doesNotContain(PASSWORD);
  }

  /** Every display data item of serve's job graph, as text. */
  private static String displayData(ServeOptions options) {
    Pipeline p = Pipeline.create(options);
    ServePipeline.build(p, options, spec);
    StringBuilder all = new StringBuilder();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            append(node);
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            append(node);
          }

          private void append(TransformHierarchy.Node node) {
            if (node.getTransform() != null) {
              DisplayData.from(node.getTransform())
                  .items()
                  .forEach(
                      i -> all.append(i.getKey()).append('=').append(i.getValue()).append('\n'));
            }
          }
        });
    return all.toString();
  }
}
