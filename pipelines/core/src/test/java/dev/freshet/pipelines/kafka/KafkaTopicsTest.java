package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** Kafka reader options that Beam would refuse in its own words are refused naming ours. */
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
}
