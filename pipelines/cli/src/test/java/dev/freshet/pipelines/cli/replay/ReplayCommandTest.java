package dev.freshet.pipelines.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.testdata.TestDataFiles;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/** {@code freshet replay} against a real in-process broker. */
public class ReplayCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmbeddedKafka kafka;

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    KafkaTopics.create(kafka.bootstrapServers(), 2, List.of("replayed", "replayed-outcomes"));
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
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
}
