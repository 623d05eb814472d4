package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.HashMap;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
    kafka.createTopics(2, "events", "replayed", "replayed-outcomes");
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

  @Test
  public void replayProducesEventsAndOutcomesInTimeOrderStampedWithTheirTime() throws Exception {
    ReplayCommand replay = new ReplayCommand();
    replay.events = TestDataFiles.fraudSampleEvents();
    replay.outcomes = TestDataFiles.fraudSampleOutcomes();
    replay.bootstrapServers = kafka.bootstrapServers();
    replay.topic = "replayed";
    replay.outcomesTopic = "replayed-outcomes";
    replay.timeField = "event_time";
    replay.outcomeTimeField = "outcome_time";
    replay.keyField = "card_id";
    replay.rate = 5000;
    replay.limit = 3000;
    ReplayCommand.Summary summary = replay.replay(new PrintStream(OutputStream.nullOutputStream()));
    assertThat(summary.produced()).isEqualTo(3000);
    assertThat(summary.outcomes()).isPositive();

    Map<String, Long> lastTimeByCard = new HashMap<>();
    long consumed = 0;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "replay-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of("replayed"));
      long deadline = System.currentTimeMillis() + 30_000;
      while (consumed < summary.events() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(java.time.Duration.ofMillis(500))) {
          long eventTime =
              java.time.Instant.parse(JSON.readTree(r.value()).get("event_time").asText())
                  .toEpochMilli();
          assertThat(r.timestamp()).isEqualTo(eventTime);
          Long previous = lastTimeByCard.put(r.key(), eventTime);
          assertThat(previous == null || previous <= eventTime)
              .as("card %s in time order", r.key())
              .isTrue();
          consumed++;
        }
      }
    }
    assertThat(consumed).isEqualTo(summary.events());
  }

  /**
   * Records are stamped with their event time and tests replay events from months ago: with Kafka's
   * default time retention (7 days) the broker deletes them at its first retention check, 30 s
   * after it starts, whether or not they were read yet.
   */
  @Test
  public void topicsKeepRecordsWhateverTheirTimestamp() throws Exception {
    kafka.createTopics(1, "kept");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "kept");
      Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
      assertThat(config.get("retention.ms").value()).isEqualTo("-1");
    }
  }
}
