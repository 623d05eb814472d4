package dev.freshet.pipelines.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;

/**
 * A one-node Kafka broker (KRaft, no ZooKeeper) inside this JVM, on free loopback ports and a
 * temporary log directory that is deleted on {@link #close()}. For the local run and for tests: the
 * real broker, not a mock.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *   KafkaTopics.create(kafka.bootstrapServers(), 2, List.of("events", "predictions"));
 *   ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path logDir;
  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final String saslBootstrapServers;

  private EmbeddedKafka(
      Path logDir, KafkaRaftServer server, String bootstrapServers, String saslBootstrapServers) {
    this.logDir = logDir;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.saslBootstrapServers = saslBootstrapServers;
  }

  /** Formats a fresh log directory and starts the broker; returns once it accepts clients. */
  public static EmbeddedKafka start() throws IOException {
    return start(null, null);
  }

  /**
   * A broker that also takes SASL/PLAIN clients with one user, at {@link #saslBootstrapServers()}:
   * what a secured cluster looks like to Freshet. Its plaintext listener stays, for setting up
   * topics and reading them back in tests.
   */
  public static EmbeddedKafka startWithSaslPlain(String user, String password) throws IOException {
    return start(user, password);
  }

  private static EmbeddedKafka start(String saslUser, String saslPassword) throws IOException {
    Path logDir = Files.createTempDirectory("freshet-kafka");
    int[] ports = freePorts(3);
    int port = ports[0];
    int controllerPort = ports[1];
    int saslPort = saslUser == null ? 0 : ports[2];
    String sasl = saslUser == null ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + port + sasl + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + sasl);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put(
        "listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
    if (saslUser != null) {
      props.put("sasl.enabled.mechanisms", "PLAIN");
      props.put(
          "listener.name.sasl_plaintext.plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required user_"
              + saslUser
              + "=\""
              + saslPassword
              + "\";");
    }
    props.put("log.dirs", logDir.resolve("data").toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("num.partitions", "1");
    props.put("auto.create.topics.enable", "false");
    // Records carry their event time, and tests and the local run replay past events: time
    // retention would delete them 30 s after start (see KafkaTopics.KEEP_REGARDLESS_OF_AGE).
    props.put("log.retention.ms", "-1");

    Path config = logDir.resolve("server.properties");
    try (var out = Files.newOutputStream(config)) {
      props.store(out, "Freshet embedded Kafka");
    }
    ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
    int formatted =
        StorageTool.execute(
            new String[] {
              "format",
              "-t",
              Uuid.randomUuid().toString(),
              "-c",
              config.toString(),
              "--ignore-formatted"
            },
            new PrintStream(formatLog, true, StandardCharsets.UTF_8));
    if (formatted != 0) {
      throw new IOException(
          "could not format the embedded Kafka log directory: "
              + formatLog.toString(StandardCharsets.UTF_8));
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    return new EmbeddedKafka(
        logDir, server, "127.0.0.1:" + port, saslUser == null ? null : "127.0.0.1:" + saslPort);
  }

  /** The plaintext listener. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The SASL/PLAIN listener of {@link #startWithSaslPlain}; null for a plain broker. */
  public String saslBootstrapServers() {
    return saslBootstrapServers;
  }

  /** A string producer to this broker that waits for every replica ({@code acks=all}). */
  public KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ProducerConfig.ACKS_CONFIG,
            "all"),
        new StringSerializer(),
        new StringSerializer());
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    try (Stream<Path> files = Files.walk(logDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code n} distinct free ports. Their sockets stay open until all are chosen: one at a time, the
   * system could hand out the same port twice (it did: the broker's listener and its controller on
   * one port, which Kafka refuses).
   */
  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }
}
