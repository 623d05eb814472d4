package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.pipelines.kafka.TransactionalKafkaSink.Committed;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.Test;

/**
 * The exactly-once sink's parts: what it commits as metadata, and where {@code
 * --deliveryGuarantee=EXACTLY_ONCE} is refused. Its writes and restores are tested on Flink, in
 * FlinkSavepointRestoreTest (embedded) and ClusterFaultsIT (the local cluster).
 */
public class TransactionalKafkaSinkTest {
  @Test
  public void committedMetadataRoundTripsAndKeepsTheLatestEpochs() {
    LinkedHashMap<Long, Long> written = new LinkedHashMap<>();
    written.put(7L, 41L);
    Committed c = Committed.of(null).with(written);
    assertThat(c.wrote(7, 41)).isTrue();
    assertThat(c.wrote(7, 42)).as("after the last number written").isFalse();
    assertThat(c.wrote(8, 0)).as("another epoch: numbered after a restart").isFalse();

    Committed back = Committed.of(new OffsetAndMetadata(0, c.toJson()));
    assertThat(back.wrote(7, 41)).isTrue();
    assertThat(back.wrote(7, 42)).isFalse();

    // Epochs beyond the most recent EPOCHS_KEPT are forgotten: their records would be written
    // again,
    // never skipped wrongly.
    Committed many = back;
    for (long epoch = 100; epoch < 100 + Committed.EPOCHS_KEPT; epoch++) {
      LinkedHashMap<Long, Long> w = new LinkedHashMap<>();
      w.put(epoch, 5L);
      many = many.with(w);
    }
    assertThat(many.wrote(7, 41)).isFalse();
    assertThat(many.wrote(100, 5)).isTrue();
    assertThat(many.toJson().length()).as("fits Kafka's offset metadata limit").isLessThan(4096);
  }

  @Test
  public void aRecordsShardIsThePartitionKafkaWouldGiveItsKey() {
    for (int i = 0; i < 200; i++) {
      String key = "card-" + i;
      assertThat(TransactionalKafkaSink.shardOf(key, "v", 5))
          .as(key)
          .isEqualTo(BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 5));
    }
  }

  @Test
  public void metadataOfAnotherWriterIsRefused() {
    assertThatThrownBy(() -> Committed.of(new OffsetAndMetadata(0, "{\"seq\": 3}")))
        .hasMessageContaining("not the metadata of Freshet's exactly-once sink");
  }

  @Test
  public void exactlyOnceIsRefusedWhereItCannotHold() {
    KafkaOptions flink = options("--runner=FlinkRunner");
    assertThat(flink.getRunner()).isEqualTo(FlinkRunner.class);
    assertThatThrownBy(() -> KafkaTopics.write(flink, "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--deliveryGuarantee=EXACTLY_ONCE on Flink needs checkpointing")
        .hasMessageContaining("--checkpointingInterval");
    KafkaOptions direct = options("--runner=DirectRunner");
    assertThatThrownBy(() -> KafkaTopics.write(direct, "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not on DirectRunner")
        .hasMessageContaining("--deliveryGuarantee=AT_LEAST_ONCE");
  }

  private static KafkaOptions options(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--bootstrapServers=localhost:1");
    all.add("--deliveryGuarantee=EXACTLY_ONCE");
    all.add("--consumerGroup=eos-test-" + System.nanoTime());
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(KafkaOptions.class);
  }
}
