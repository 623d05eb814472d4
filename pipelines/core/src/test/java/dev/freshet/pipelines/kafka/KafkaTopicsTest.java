package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/**
 * Kafka reader options that Beam would refuse in its own words are refused naming ours; a reader
 * that would leave partitions unread for seconds is named.
 */
public class KafkaTopicsTest {
  @Test
  public void aPollingTimeoutBelowOneSecondIsRefusedNamingTheOption() {
    KafkaOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=127.0.0.1:1", "--consumerPollingTimeoutSeconds=0")
            .as(KafkaOptions.class);
    Pipeline p = Pipeline.create(options);
    assertThatThrownBy(() -> p.apply(KafkaTopics.read(options, "events")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--consumerPollingTimeoutSeconds");
  }

  @Test
  public void aSubtaskHoldingSeveralPartitionsIsWarnedAboutWithTheWaitItCauses() {
    assertThat(KafkaTopics.partitionsReadInTurn("events", 2, 1))
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .contains("topic events has 2 partitions for 1 reader subtask(s)")
                    .contains("unread for up to 10 s")
                    .contains("--parallelism of at least 2"));
    assertThat(KafkaTopics.partitionsReadInTurn("events", 8, 3))
        .hasValueSatisfying(w -> assertThat(w).contains("holding 3 partitions", "up to 20 s"));
    // Not given (-1) is Flink's default, 1.
    assertThat(KafkaTopics.partitionsReadInTurn("events", 2, -1)).isPresent();
  }

  @Test
  public void noWarningWhereEverySubtaskCanHaveItsOwnPartition() {
    assertThat(KafkaTopics.partitionsReadInTurn("events", 1, 1)).isEmpty();
    assertThat(KafkaTopics.partitionsReadInTurn("events", 2, 2)).isEmpty();
    assertThat(KafkaTopics.partitionsReadInTurn("events", 1, -1)).isEmpty();
  }
}
