package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.Values;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;

/** A real in-process broker: payments produced to a topic are read back by KafkaIO and parsed. */
public class EmbeddedKafkaTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafka kafka;

  @Rule public final transient TestPipeline p = TestPipeline.create();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    KafkaTopics.create(kafka.bootstrapServers(), 2, List.of("events"));
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  @Test
  public void paymentsRoundTripThroughTheBrokerAndParse() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    List<String> lines = Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, 200);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (String line : lines) {
        // Freshet's topics carry the event time as the record timestamp (CreateTime).
        long eventTime =
            JSON.readTree(line)
                .get("event_time")
                .asText()
                .transform(t -> java.time.Instant.parse(t).toEpochMilli());
        producer.send(new ProducerRecord<>("events", null, eventTime, line.substring(0, 30), line));
      }
      producer.send(new ProducerRecord<>("events", "bad", "{not json"));
      producer.flush();
    }

    ParseResult parsed =
        p.apply(
                KafkaIO.<String, String>read()
                    .withBootstrapServers(kafka.bootstrapServers())
                    .withTopic("events")
                    .withKeyDeserializer(StringDeserializer.class)
                    .withValueDeserializer(StringDeserializer.class)
                    .withConsumerConfigUpdates(Map.of("auto.offset.reset", "earliest"))
                    .withCreateTime(Duration.standardMinutes(1))
                    .withMaxNumRecords(lines.size() + 1)
                    .withoutMetadata())
            .apply(Values.create())
            .apply(ParseEvents.json(spec.events()).withSource("events"));
    PAssert.thatSingleton(parsed.rows().apply("CountRows", Count.globally()))
        .isEqualTo((long) lines.size());
    PAssert.thatSingleton(parsed.deadLetters().apply("CountDead", Count.globally())).isEqualTo(1L);
    PAssert.that(
            parsed
                .rows()
                .apply(Reify.timestamps())
                .apply(
                    "EventTimeIsElementTime",
                    Filter.by(
                        t ->
                            t.getTimestamp().getMillis()
                                != t.getValue().getDateTime("event_time").getMillis())))
        .empty();
    p.run().waitUntilFinish();
  }

  /**
   * Records are stamped with their event time and tests replay events from months ago: with Kafka's
   * default time retention (7 days) the broker deletes them at its first retention check, 30 s
   * after it starts, whether or not they were read yet.
   */
  @Test
  public void topicsKeepRecordsWhateverTheirTimestamp() throws Exception {
    KafkaTopics.create(kafka.bootstrapServers(), 1, List.of("kept"));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "kept");
      Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
      assertThat(config.get("retention.ms").value()).isEqualTo("-1");
    }
  }
}
