package dev.freshet.pipelines.kafka;

import dev.freshet.pipelines.kafka.KafkaOptions.DeliveryGuarantee;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.events.DeadLetter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Duration;

/**
 * Reading and writing Freshet's topics from Beam (JSON strings; the events and outcomes in their
 * encodings through {@link EncodedTopic}), and checking them up front.
 */
public final class KafkaTopics {
  private static final java.time.Duration LEADER_WAIT = java.time.Duration.ofSeconds(30);

  /**
   * Every reader reads committed records only: records of aborted transactions (an exactly-once
   * sink's, see {@link KafkaOptions#getDeliveryGuarantee}) are skipped. Without transactions on a
   * topic it reads the same records as {@code read_uncommitted}, as soon.
   */
  public static final String READ_COMMITTED = "read_committed";

  private KafkaTopics() {}

  /**
   * Fails fast, naming the servers, when no broker answers within {@code timeout} or the brokers
   * refuse the client's credentials, and names the topics that do not exist (with the command that
   * creates them).
   */
  public static void requireReachable(
      KafkaClients clients, Collection<String> topics, java.time.Duration timeout) {
    String servers = clients.bootstrapServers();
    if (servers == null || servers.isBlank()) {
      throw new IllegalArgumentException(
          "--bootstrapServers is required: the Kafka brokers to read and write, host:port");
    }
    Map<String, Object> config =
        clients.config(
            Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis(),
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                500));
    try (Admin admin = Admin.create(config)) {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<String> missing = new ArrayList<>();
      for (String topic : topics) {
        if (!existing.contains(topic)) {
          missing.add(topic);
        }
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException(
            "Kafka at "
                + servers
                + " has no topic "
                + String.join(", ", missing)
                + ". Create them first, e.g. kafka-topics.sh --bootstrap-server "
                + servers
                + " --create --topic "
                + missing.get(0)
                + ", or name existing ones with the --...Topic options.");
      }
    } catch (ExecutionException e) {
      throw unreachable(clients, timeout, e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(clients, timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What to tell a user whose brokers did not answer or refused the client. */
  private static IllegalArgumentException unreachable(
      KafkaClients clients, java.time.Duration timeout, Throwable cause) {
    if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
      return new IllegalArgumentException(
          "Kafka at --bootstrapServers="
              + clients.describe()
              + " refused this client ("
              + cause.getClass().getSimpleName()
              + ": "
              + cause.getMessage()
              + "). Check the credentials and mechanism in --kafkaProperties.",
          cause);
    }
    return new IllegalArgumentException(
        "no Kafka broker answered at --bootstrapServers="
            + clients.describe()
            + " within "
            + timeout.toSeconds()
            + " s ("
            + cause.getClass().getSimpleName()
            + "). Check the address and that the brokers are running"
            + (clients.configured()
                ? ", and that security.protocol in --kafkaProperties is the listener's."
                : "; if the cluster needs TLS or SASL, give its client settings with"
                    + " --kafkaProperties=client.properties (docs/kafka.md)."),
        cause);
  }

  /**
   * Creates the topics that do not exist yet, with {@code partitions} partitions each and the
   * broker's default replication factor and topic configuration.
   */
  public static void create(String bootstrapServers, int partitions, Collection<String> topics) {
    create(KafkaClients.plain(bootstrapServers), partitions, topics, Map.of());
  }

  /**
   * Topic configuration for replays of past events. Kafka's time retention compares the newest
   * record <em>timestamp</em> of a segment with the clock, and Freshet stamps records with their
   * event time: a replay of events older than {@code retention.ms} (7 days by default) would be
   * deleted at the broker's next retention check, 30 s after it starts and every 5 minutes after.
   */
  public static final Map<String, String> KEEP_REGARDLESS_OF_AGE = Map.of("retention.ms", "-1");

  /**
   * As {@link #create(String, int, Collection)}, with the client settings of {@code clients} and
   * {@code config} on the topics it creates.
   */
  public static void create(
      KafkaClients clients, int partitions, Collection<String> topics, Map<String, String> config) {
    try (Admin admin = Admin.create(clients.config(Map.of()))) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> newTopics = new ArrayList<>();
      for (String topic : topics) {
        if (!existing.contains(topic)) {
          newTopics.add(
              new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(config));
        }
      }
      admin.createTopics(newTopics).all().get();
      awaitLeaders(clients, admin, newTopics.stream().map(NewTopic::name).toList());
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create topics: " + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until every partition of the new {@code topics} answers a ListOffsets request at its
   * leader. The controller acknowledges a topic before its leader serves it, and an idempotent
   * producer whose first batch is refused in that gap while later ones are accepted sees the
   * retried first batch rejected as out of sequence forever (records lost).
   */
  private static void awaitLeaders(KafkaClients clients, Admin admin, List<String> topics)
      throws InterruptedException, ExecutionException {
    if (topics.isEmpty()) {
      return;
    }
    List<TopicPartition> partitions = new ArrayList<>();
    long deadline = System.currentTimeMillis() + LEADER_WAIT.toMillis();
    while (partitions.isEmpty()) {
      try {
        admin
            .describeTopics(topics)
            .allTopicNames()
            .get()
            .forEach(
                (name, d) ->
                    d.partitions()
                        .forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            clients.config(Map.of()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.endOffsets(partitions, LEADER_WAIT);
    }
  }

  /** The values of {@code topic}, stamped with each record's CreateTime (see EventTimePolicy). */
  public static PTransform<PBegin, PCollection<String>> read(KafkaOptions options, String topic) {
    return values(options, topic, StringDeserializer.class, StringDeserializer.class);
  }

  /**
   * The values of {@code topic} as bytes (Avro, Protobuf), stamped as {@link #read} stamps them;
   * the keys are not decoded.
   */
  public static PTransform<PBegin, PCollection<byte[]>> readBytes(
      KafkaOptions options, String topic) {
    return values(options, topic, ByteArrayDeserializer.class, ByteArrayDeserializer.class);
  }

  /** Steps {@code Read <topic>} (KafkaIO) and {@code Values <topic>}. */
  private static <K, V> PTransform<PBegin, PCollection<V>> values(
      KafkaOptions options,
      String topic,
      Class<? extends Deserializer<K>> keys,
      Class<? extends Deserializer<V>> values) {
    boolean onCheckpoints = commitsOnCheckpoints(options);
    if (options.getConsumerPollingTimeoutSeconds() < 1) {
      throw new IllegalArgumentException(
          "--consumerPollingTimeoutSeconds must be at least 1 (whole seconds, Beam's unit), not "
              + options.getConsumerPollingTimeoutSeconds());
    }
    return new PTransform<>() {
      @Override
      public PCollection<V> expand(PBegin input) {
        KafkaIO.Read<K, V> read =
            KafkaIO.<K, V>read()
                .withBootstrapServers(options.getBootstrapServers())
                .withConsumerFactoryFn(KafkaClients.of(options).consumerFactory())
                .withTopic(topic)
                .withKeyDeserializer(keys)
                .withValueDeserializer(values)
                .withConsumerConfigUpdates(
                    Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        options.getConsumerGroup(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        options.getStartOffset().name().toLowerCase(Locale.ROOT),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        !onCheckpoints,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        READ_COMMITTED))
                .withConsumerPollingTimeout(options.getConsumerPollingTimeoutSeconds())
                .withTimestampPolicyFactory(
                    EventTimePolicy.withMaxOutOfOrder(
                        Duration.standardSeconds(options.getMaxOutOfOrderSeconds())));
        return input
            .apply(
                "Read " + topic,
                (onCheckpoints ? read.commitOffsetsInFinalize() : read).withoutMetadata())
            .apply("Values " + topic, Values.create());
      }
    };
  }

  /**
   * Whether a reader commits its consumer group's offsets only once the runner has finalized a
   * checkpoint holding them (never when merely polled): so a job that starts again without that
   * checkpoint (submitted anew, or restarted where no checkpoint completed) resumes at what it had
   * done, re-reading some records but skipping none. Every runner finalizes checkpoints (the direct
   * runner and Dataflow after each committed bundle) except Flink with checkpointing off: there the
   * Kafka client commits what it polled every few seconds (auto-commit), the only way such a job
   * has to say where it got to; a crash can then skip what was polled and not yet processed.
   */
  static boolean commitsOnCheckpoints(PipelineOptions options) {
    return options.getRunner() != FlinkRunner.class || Launcher.flinkCheckpoints(options);
  }

  /**
   * Writes keyed JSON strings to {@code topic} (record time: when written), flushed per bundle; in
   * transactions with {@code --deliveryGuarantee=EXACTLY_ONCE} ({@link TransactionalKafkaSink}).
   */
  public static PTransform<PCollection<KV<String, String>>, PDone> write(
      KafkaOptions options, String topic) {
    return writer(options, topic, false);
  }

  /**
   * As {@link #write}, with each record stamped with its element's timestamp (event time), so a
   * reader of {@code topic} sees the same event time and watermark as the writer.
   */
  public static PTransform<PCollection<KV<String, String>>, PDone> writeWithEventTime(
      KafkaOptions options, String topic) {
    return writer(options, topic, true);
  }

  /**
   * Writes {@code deadLetters} as JSON to {@code --deadLettersTopic}, keyed by their source, in the
   * steps {@code DeadLetterJson} and {@code WriteDeadLetters}.
   */
  public static void writeDeadLetters(PCollection<DeadLetter> deadLetters, KafkaOptions options) {
    deadLetters
        .apply(
            "DeadLetterJson",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via((DeadLetter d) -> KV.of(d.source(), d.toJson())))
        .apply("WriteDeadLetters", write(options, options.getDeadLettersTopic()));
  }

  private static PTransform<PCollection<KV<String, String>>, PDone> writer(
      KafkaOptions options, String topic, boolean eventTime) {
    KafkaClients clients = KafkaClients.of(options);
    if (options.getDeliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
      requireExactlyOnceRunner(options);
      String group = sinkGroup(options, topic);
      int shards = partitions(clients, topic, "--deliveryGuarantee=EXACTLY_ONCE");
      return new TransactionalKafkaSink(clients, topic, group, shards, eventTime);
    }
    KafkaIO.Write<String, String> write =
        KafkaIO.<String, String>write()
            .withBootstrapServers(options.getBootstrapServers())
            .withProducerFactoryFn(clients.<String, String>producerFactory())
            .withTopic(topic)
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(StringSerializer.class)
            .withProducerConfigUpdates(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
    return eventTime ? write.withInputTimestamp() : write;
  }

  /**
   * The consumer group under which an exactly-once sink keeps, per shard, the number of the record
   * it committed last (offset metadata, committed in the same transaction as the records): one per
   * job and topic, {@code <consumerGroup>.eos.<topic>}.
   */
  static String sinkGroup(KafkaOptions options, String topic) {
    return options.getConsumerGroup() + ".eos." + topic;
  }

  /**
   * Refuses {@code --deliveryGuarantee=EXACTLY_ONCE} where the sink cannot keep it: it writes each
   * record once only if its input is stable across retries ({@code RequiresStableInput}), which the
   * Flink runner provides by holding the sink's input until a checkpoint completes, so only with
   * checkpointing. Other runners are not tested with it; on the direct runner, which moves a key
   * between DoFn instances, each instance's producer fenced the others'.
   */
  private static void requireExactlyOnceRunner(PipelineOptions options) {
    if (options.getRunner() != FlinkRunner.class) {
      throw new IllegalArgumentException(
          "--deliveryGuarantee=EXACTLY_ONCE is supported on the Flink runner (with"
              + " --checkpointingInterval), not on "
              + options.getRunner().getSimpleName()
              + "; use --deliveryGuarantee=AT_LEAST_ONCE there");
    }
    if (!Launcher.flinkCheckpoints(options)) {
      throw new IllegalArgumentException(
          "--deliveryGuarantee=EXACTLY_ONCE on Flink needs checkpointing: give"
              + " --checkpointingInterval (ms, e.g. 2000); a record is written when the checkpoint"
              + " holding it completes");
    }
  }

  /**
   * A warning when a splittable-DoFn read of {@code topic} ({@link Launcher#splittableKafkaReads})
   * leaves partitions unread for seconds: Beam 2.62's Flink runner calls one partition at a time
   * per subtask, for up to 10 s or 10,000 records, and under steady traffic a call lasts that long,
   * so a subtask with more than one partition reads them in turn. Measured at 200 events/s on one
   * subtask: p99 0.65 s with one partition, 10.7 s with two (docs/benchmarks/serve.md). Empty when
   * no subtask must read two partitions; {@code parallelism} of 0 or less (not given) is taken as
   * 1, Flink's default.
   */
  public static Optional<String> partitionsReadInTurn(
      String topic, int partitions, int parallelism) {
    int subtasks = Math.max(1, parallelism);
    if (partitions <= subtasks) {
      return Optional.empty();
    }
    int perSubtask = (partitions + subtasks - 1) / subtasks;
    return Optional.of(
        String.format(
            Locale.ROOT,
            "topic %s has %d partitions for %d reader subtask(s) (--parallelism): with"
                + " checkpoints, Beam 2.62 on Flink reads Kafka as a splittable DoFn, one partition"
                + " at a time per subtask for up to 10 s each under steady traffic, so a subtask"
                + " holding %d partitions leaves each unread for up to %d s and its events wait"
                + " that long. For low latency give --parallelism of at least %d (subtasks take"
                + " partitions by hash, so some may still share), read a topic with fewer"
                + " partitions, or run without checkpoints (docs/benchmarks/serve.md)",
            topic,
            partitions,
            subtasks,
            perSubtask,
            (perSubtask - 1) * 10,
            partitions));
  }

  /**
   * The partitions of {@code topic}; a failure names {@code purpose}, what asked for them (an
   * exactly-once sink's shards are its partitions, one producer each).
   */
  public static int partitions(KafkaClients clients, String topic, String purpose) {
    try (Admin admin = Admin.create(clients.config(Map.of()))) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(LEADER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
          .get(topic)
          .partitions()
          .size();
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(
          purpose
              + ": could not read the partitions of topic "
              + topic
              + " at "
              + clients.describe()
              + ": "
              + cause,
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
