package dev.freshet.pipelines.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes keyed strings to a Kafka topic so that a job restored from its latest checkpoint writes no
 * record twice ({@code --deliveryGuarantee=EXACTLY_ONCE}): Kafka transactions whose commit follows
 * the runner's checkpoints.
 *
 * <p>How: records are spread over {@code shards} shards, one per partition of the topic, by key as
 * Kafka's partitioner would (one key's records keep their order), and a stateful step numbers each
 * shard's records under an epoch drawn when the step starts ({@link Numbered}). The writing step
 * declares {@link DoFn.RequiresStableInput}: the Flink runner hands it a record only once the
 * checkpoint holding it has completed, all of a checkpoint in one bundle, and a job restored from
 * that checkpoint hands it the same numbered records again. Each shard writes a bundle in one
 * transaction (its own {@code transactional.id}) and commits with it, as offset metadata of
 * consumer group {@code group} on partition {@code shard}, the last number written per epoch
 * ({@link Committed}). A restored writer reads that and skips what it wrote; a new producer with
 * the same transactional id aborts whatever the previous one left open. Readers see the records
 * when the transaction commits, up to a checkpoint interval after they were scored, and must read
 * {@code read_committed} (all of Freshet's readers do).
 *
 * <p>What it guarantees: restored from the latest completed checkpoint (as Flink restores a failed
 * job, or {@code --savepointPath} with the latest retained checkpoint), every record once. Restored
 * from an older checkpoint or savepoint, what was written after it is written again (records
 * numbered after a restore carry a new epoch, so they are never mistaken for written ones): at
 * least once, nothing lost. A new start ignores earlier runs' metadata the same way.
 *
 * <p>Written for Freshet instead of KafkaIO's {@code withEOS} sink, which on Beam 2.62's Flink
 * runner commits one transaction per record (its grouping fires per element) and keeps its
 * producers in a static cache that outlives a failed task: restored inside the same JVM (a
 * failover, or a cancel and restore on the embedded cluster) it reused a producer still inside the
 * interrupted transaction and failed on every attempt ("Invalid transition attempted from state
 * IN_TRANSACTION to state IN_TRANSACTION"); see docs/faults.md.
 */
public final class TransactionalKafkaSink
    extends PTransform<PCollection<KV<String, String>>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalKafkaSink.class);

  private final KafkaClients clients;
  private final String topic;
  private final String group;
  private final int shards;
  private final boolean eventTime;

  /**
   * A sink of {@code topic} through {@code shards} transactional producers, one per partition (the
   * topic's partitions: each shard writes its partition and keeps its metadata there), whose
   * metadata is kept by consumer group {@code group}; records stamped with their element's
   * timestamp when {@code eventTime}, else when written.
   */
  public TransactionalKafkaSink(
      KafkaClients clients, String topic, String group, int shards, boolean eventTime) {
    if (shards < 1) {
      throw new IllegalArgumentException("a transactional sink needs at least one shard");
    }
    this.clients = clients;
    this.topic = topic;
    this.group = group;
    this.shards = shards;
    this.eventTime = eventTime;
  }

  @Override
  public PDone expand(PCollection<KV<String, String>> input) {
    input
        // Numbers are kept per key and window: one window, so that they never start again.
        .apply("GlobalWindow", Window.into(new GlobalWindows()))
        .apply("Shard", ParDo.of(new ShardFn(shards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), RECORD))
        .apply("Number", ParDo.of(new NumberFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), Numbered.CODER))
        .apply("WriteInTransactions", ParDo.of(new WriteFn(clients, topic, group, eventTime)));
    return PDone.in(input.getPipeline());
  }

  private static final KvCoder<String, String> RECORD =
      KvCoder.of(NullableCoder.of(StringUtf8Coder.of()), StringUtf8Coder.of());

  /**
   * The shard of a record, which is also the partition it is written to: the partition Kafka's
   * default partitioner gives its key (murmur2 of the key's bytes), so a key lands where the
   * at-least-once writer puts it, and each partition has one writer, in the order its shard
   * numbered the records (two shards interleaving their transactions in one partition would put
   * records up to a checkpoint interval out of event-time order). Records without a key by their
   * value.
   */
  static int shardOf(@Nullable String key, String value, int shards) {
    byte[] bytes = (key != null ? key : value).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(bytes)) % shards;
  }

  private static final class ShardFn
      extends DoFn<KV<String, String>, KV<Integer, KV<String, String>>> {
    private final int shards;

    ShardFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(
        @Element KV<String, String> r, OutputReceiver<KV<Integer, KV<String, String>>> out) {
      out.output(KV.of(shardOf(r.getKey(), r.getValue(), shards), r));
    }
  }

  /**
   * A record with its number in its shard and the epoch of that numbering: a number drawn when the
   * numbering step starts (a new one after every restart), so that (epoch, number) names one
   * numbering of one record. Numbers assigned after a restore repeat those assigned (and lost)
   * after the checkpoint, under a new epoch.
   */
  record Numbered(long epoch, long number, KV<String, String> record) {
    static final Coder<Numbered> CODER =
        new AtomicCoder<>() {
          @Override
          public void encode(Numbered n, OutputStream out) throws IOException {
            VarLongCoder.of().encode(n.epoch, out);
            VarLongCoder.of().encode(n.number, out);
            RECORD.encode(n.record, out);
          }

          @Override
          public Numbered decode(InputStream in) throws IOException {
            return new Numbered(
                VarLongCoder.of().decode(in), VarLongCoder.of().decode(in), RECORD.decode(in));
          }
        };
  }

  /** Numbers each shard's records in the order they arrive, under this instance's epoch. */
  private static final class NumberFn
      extends DoFn<KV<Integer, KV<String, String>>, KV<Integer, Numbered>> {
    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    private transient long epoch;

    @Setup
    public void setup() {
      epoch = new SecureRandom().nextLong() & Long.MAX_VALUE;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, KV<String, String>> r,
        @StateId("next") ValueState<Long> next,
        OutputReceiver<KV<Integer, Numbered>> out) {
      Long n = next.read();
      long number = n == null ? 0 : n;
      next.write(number + 1);
      out.output(KV.of(r.getKey(), new Numbered(epoch, number, r.getValue())));
    }
  }

  /**
   * What a shard committed: per epoch (the most recent {@value #EPOCHS_KEPT}), the number of the
   * last record written, kept as offset metadata of the sink's consumer group.
   */
  static final class Committed {
    static final int EPOCHS_KEPT = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedHashMap<Long, Long> lastByEpoch;

    private Committed(LinkedHashMap<Long, Long> lastByEpoch) {
      this.lastByEpoch = lastByEpoch;
    }

    static Committed of(@Nullable OffsetAndMetadata offset) {
      LinkedHashMap<Long, Long> last = new LinkedHashMap<>();
      if (offset == null || offset.metadata() == null || offset.metadata().isBlank()) {
        return new Committed(last);
      }
      try {
        JsonNode epochs = JSON.readTree(offset.metadata()).get("freshet_sink_epochs");
        if (epochs == null) {
          throw new IllegalStateException(
              "not the metadata of Freshet's exactly-once sink: " + offset.metadata());
        }
        epochs
            .fields()
            .forEachRemaining(e -> last.put(Long.parseLong(e.getKey()), e.getValue().asLong()));
        return new Committed(last);
      } catch (IOException e) {
        throw new UncheckedIOException("unreadable sink metadata: " + offset.metadata(), e);
      }
    }

    /** Whether the record numbered {@code number} under {@code epoch} was written. */
    boolean wrote(long epoch, long number) {
      Long last = lastByEpoch.get(epoch);
      return last != null && number <= last;
    }

    /** This plus {@code written} (last number per epoch, in the order written). */
    Committed with(LinkedHashMap<Long, Long> written) {
      LinkedHashMap<Long, Long> all = new LinkedHashMap<>(lastByEpoch);
      written.forEach(
          (epoch, last) -> {
            all.remove(epoch);
            all.put(epoch, last);
          });
      while (all.size() > EPOCHS_KEPT) {
        all.remove(all.keySet().iterator().next());
      }
      return new Committed(all);
    }

    String toJson() {
      ObjectNode epochs = JSON.createObjectNode();
      lastByEpoch.forEach((epoch, last) -> epochs.put(Long.toString(epoch), last));
      ObjectNode o = JSON.createObjectNode();
      o.set("freshet_sink_epochs", epochs);
      return o.toString();
    }

    @Override
    public String toString() {
      return lastByEpoch.toString();
    }
  }

  /**
   * Writes each bundle's records of a shard in one transaction; see the class comment. Stateful (a
   * count of the records each shard wrote) only so that the runner keys it, and its buffered input,
   * by shard: a restore at another parallelism keeps each shard's records in one writer, and so one
   * producer per transactional id.
   */
  static final class WriteFn extends DoFn<KV<Integer, Numbered>, Void> {
    private final KafkaClients clients;
    private final String topic;
    private final String group;
    private final boolean eventTime;

    @StateId("written")
    private final StateSpec<ValueState<Long>> writtenSpec = StateSpecs.value(VarLongCoder.of());

    private transient Map<Integer, Shard> open;

    WriteFn(KafkaClients clients, String topic, String group, boolean eventTime) {
      this.clients = clients;
      this.topic = topic;
      this.group = group;
      this.eventTime = eventTime;
    }

    /** A shard's producer, what it committed, and what this bundle's transaction holds. */
    private static final class Shard {
      final KafkaProducer<String, String> producer;
      Committed committed;
      final LinkedHashMap<Long, Long> pending = new LinkedHashMap<>();

      Shard(KafkaProducer<String, String> producer, Committed committed) {
        this.producer = producer;
        this.committed = committed;
      }
    }

    @Setup
    public void setup() {
      open = new HashMap<>();
    }

    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<Integer, Numbered> r,
        @Timestamp Instant timestamp,
        @StateId("written") ValueState<Long> written) {
      int shard = r.getKey();
      Numbered n = r.getValue();
      Shard s = open.get(shard);
      if (s == null) {
        s = start(shard);
        open.put(shard, s);
      }
      if (s.committed.wrote(n.epoch(), n.number())) {
        return; // written before a restore, in a transaction that committed this number
      }
      try {
        if (s.pending.isEmpty()) {
          s.producer.beginTransaction();
        }
        s.producer.send(
            new ProducerRecord<>(
                topic,
                shard,
                eventTime ? timestamp.getMillis() : null,
                n.record().getKey(),
                n.record().getValue()));
        s.pending.remove(n.epoch());
        s.pending.put(n.epoch(), n.number());
      } catch (KafkaException e) {
        throw abandon(shard, s, e);
      }
      Long count = written.read();
      written.write(count == null ? 1 : count + 1);
    }

    @FinishBundle
    public void finishBundle() {
      for (Map.Entry<Integer, Shard> e : Map.copyOf(open).entrySet()) {
        Shard s = e.getValue();
        if (s.pending.isEmpty()) {
          continue;
        }
        int shard = e.getKey();
        try {
          Committed next = s.committed.with(s.pending);
          s.producer.sendOffsetsToTransaction(
              Map.of(new TopicPartition(topic, shard), new OffsetAndMetadata(0, next.toJson())),
              new ConsumerGroupMetadata(group));
          s.producer.commitTransaction();
          s.committed = next;
          s.pending.clear();
        } catch (KafkaException ex) {
          throw abandon(shard, s, ex);
        }
      }
    }

    /**
     * A new transactional producer for {@code shard} (aborting what an earlier one left open) and
     * what was committed for it.
     */
    private Shard start(int shard) {
      Map<String, Object> consumer = clients.config(Map.of());
      consumer.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      Committed committed;
      TopicPartition partition = new TopicPartition(topic, shard);
      try (Consumer<byte[], byte[]> c =
          new KafkaConsumer<>(consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        committed = Committed.of(c.committed(Set.of(partition)).get(partition));
      }
      Map<String, Object> config = clients.config(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5));
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, group + "-" + shard);
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      KafkaProducer<String, String> producer =
          new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
      try {
        producer.initTransactions();
      } catch (KafkaException e) {
        producer.close(Duration.ZERO);
        throw e;
      }
      LOG.info(
          "exactly-once sink of {}, shard {}: written before, last record per epoch: {}",
          topic,
          shard,
          committed);
      return new Shard(producer, committed);
    }

    /**
     * Closes {@code shard}'s producer after {@code e} (its open transaction is aborted by the
     * broker, or by the next producer of the shard) and returns {@code e} to throw: the runner
     * retries from the last checkpoint.
     */
    private RuntimeException abandon(int shard, Shard s, KafkaException e) {
      open.remove(shard);
      try {
        s.producer.close(Duration.ZERO);
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      return e;
    }

    @Teardown
    public void teardown() {
      if (open != null) {
        open.values().forEach(s -> s.producer.close(Duration.ZERO));
        open.clear();
      }
    }
  }
}
