package dev.freshet.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code s3://} in every command, against an S3 server in the test's JVM (S3Proxy with a
 * file-system store): {@code train} reads its spec and data from the bucket and registers there,
 * {@code models list} shows the version, {@code serve} loads it from the bucket and scores, and
 * {@code models promote} of a second version there is picked up by the running serve; {@code
 * replay} reads its records and schema from the bucket.
 */
public class ObjectStoreTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static final String BUCKET = "freshet";
  private static final Duration WAIT = Duration.ofMinutes(3);

  private static S3Proxy s3;
  private static BlobStoreContext store;
  private static EmbeddedKafka kafka;
  private static List<String> s3Options;

  @BeforeClass
  public static void start() throws Exception {
    Properties properties = new Properties();
    properties.setProperty("jclouds.filesystem.basedir", TMP.newFolder("s3").toString());
    store =
        ContextBuilder.newBuilder("filesystem")
            .credentials("identity", "credential")
            .overrides(properties)
            .build(BlobStoreContext.class);
    store.getBlobStore().createContainerInLocation(null, BUCKET);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    s3 =
        S3Proxy.builder()
            .blobStore(store.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "access", "secret")
            // The AWS SDK sends headers S3Proxy does not implement and a real S3 ignores.
            .ignoreUnknownHeaders(true)
            .build();
    s3.start(); // Jetty's start returns once the connector listens
    assertThat(s3.getState()).isEqualTo("STARTED");
    s3Options =
        List.of(
            "--awsRegion=us-east-1",
            "--endpoint=http://127.0.0.1:" + port,
            "--s3ClientFactoryClass=dev.freshet.pipelines.io.PathStyleS3",
            "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
                + "\"accessKeyId\":\"access\",\"secretAccessKey\":\"secret\"}");
    FileSystems.setDefaultPipelineOptions(
        PipelineOptionsFactory.fromArgs(s3Options.toArray(new String[0])).create());
    upload(specFile(), "specs/fraud.yaml");
    upload(TestDataFiles.fraudSampleEvents(), "data/events.jsonl");
    upload(TestDataFiles.fraudSampleOutcomes(), "data/outcomes.jsonl");
    kafka = EmbeddedKafka.start();
  }

  @AfterClass
  public static void stop() throws Exception {
    kafka.close();
    s3.stop();
    store.close();
  }

  private static Path specFile() {
    return TestDataFiles.root().resolve("fraud/fraud.yaml");
  }

  private static void upload(Path file, String key) throws Exception {
    try (OutputStream out =
        Channels.newOutputStream(
            FileSystems.create(
                FileSystems.matchNewResource("s3://" + BUCKET + "/" + key, false),
                MimeTypes.TEXT))) {
      out.write(Files.readAllBytes(file));
    }
  }

  private static String[] withS3(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(s3Options);
    return all.toArray(new String[0]);
  }

  /** Runs one command line; returns what it printed, failing with it when the status is not 0. */
  private static String freshet(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int status;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      status = Freshet.execute(new PrintWriter(err, true), withS3(args));
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertThat(status).as("%s%n%s%n%s", String.join(" ", args), out, err).isZero();
    return out;
  }

  @Test
  public void trainRegistersInABucketServeLoadsFromItAndAPromotionThereIsServed() throws Exception {
    String registry = "s3://" + BUCKET + "/registry";
    String trained =
        freshet(
            "train",
            "--registry=" + registry,
            "--spec=s3://" + BUCKET + "/specs/fraud.yaml",
            "--events=s3://" + BUCKET + "/data/events.jsonl",
            "--outcomes=s3://" + BUCKET + "/data/outcomes.jsonl",
            "--epochs=2");
    assertThat(trained).contains("promoted (the first model)");
    String first = ModelRegistry.at(registry).production().orElseThrow();
    assertThat(freshet("models", "list", "--registry=" + registry)).contains(first);

    KafkaTopics.create(
        kafka.bootstrapServers(),
        1,
        List.of("events", "outcomes", "predictions", "dead", "models"));
    PipelineResult serving =
        ServeJob.start(
            ServeJob.parse(
                withS3(
                    "--bootstrapServers=" + kafka.bootstrapServers(),
                    "--registry=" + registry,
                    "--spec=s3://" + BUCKET + "/specs/fraud.yaml",
                    "--deadLettersTopic=dead",
                    "--modelEventsTopic=models",
                    "--startOffset=EARLIEST",
                    "--modelPollMillis=200")),
            new PrintStream(OutputStream.nullOutputStream()));
    Map<String, String> versionByEvent = new HashMap<>();
    List<String> events = Files.readAllLines(TestDataFiles.fraudSampleEvents());
    try (KafkaProducer<String, String> producer = kafka.producer();
        TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of("predictions"))) {
      send(producer, events.subList(0, 20));
      assertThat(
              tail.pollUntil(
                  () -> versionByEvent.size() >= 20,
                  WAIT,
                  r -> versionByEvent.put(r.key(), Prediction.parse(r.value()).modelVersion())))
          .as("predictions with the model from the bucket")
          .isTrue();
      assertThat(versionByEvent.values()).containsOnly(first);

      String second =
          UntrainedModels.register(
              ModelRegistry.at(registry),
              FeatureLayouts.of(FeatureSpecs.load(specFile().toString())),
              ModelConfig.builder().hiddenLayers(List.of(8)).seed(2).build());
      assertThat(freshet("models", "promote", second, "--registry=" + registry))
          .contains("production is now " + second);
      List<String> later = events.subList(20, events.size());
      int sent = 0;
      while (!versionByEvent.containsValue(second) && sent < later.size()) {
        send(producer, later.subList(sent, Math.min(later.size(), sent + 20)));
        sent += 20;
        tail.pollUntil(
            () -> versionByEvent.containsValue(second),
            Duration.ofSeconds(5),
            r -> versionByEvent.put(r.key(), Prediction.parse(r.value()).modelVersion()));
      }
      assertThat(versionByEvent).as("the promoted version is served").containsValue(second);
    } finally {
      serving.cancel();
    }
  }

  @Test
  public void replayReadsItsRecordsAndSchemaFromABucket() throws Exception {
    upload(TestDataFiles.fraudPaymentsAvroSchema(), "schemas/payments.avsc");
    KafkaTopics.create(kafka.bootstrapServers(), 1, List.of("s3-events", "s3-outcomes"));
    String printed =
        freshet(
            "replay",
            "--events=s3://" + BUCKET + "/data/events.jsonl",
            "--outcomes=s3://" + BUCKET + "/data/*comes.jsonl",
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topic=s3-events",
            "--outcomesTopic=s3-outcomes",
            "--keyField=card_id",
            "--limit=1000",
            "--eventsEncoding=AVRO",
            "--eventsSchema=s3://" + BUCKET + "/schemas/payments.avsc");
    assertThat(printed).contains("events as AVRO").contains("produced 1,000 records");
  }

  private static void send(KafkaProducer<String, String> producer, List<String> events) {
    for (String e : events) {
      String time = e.replaceAll(".*\"event_time\":\"([^\"]+)\".*", "$1");
      producer.send(
          new ProducerRecord<>("events", null, Instant.parse(time).toEpochMilli(), "k", e));
    }
    producer.flush();
  }
}
