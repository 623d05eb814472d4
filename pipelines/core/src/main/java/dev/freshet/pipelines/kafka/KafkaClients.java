package dev.freshet.pipelines.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The settings every Kafka client Freshet makes starts from: the bootstrap servers, then the client
 * properties of {@code --kafkaProperties} (a Java properties file on any Beam file system: {@code
 * security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code
 * ssl.truststore.location}, ...) and of {@code --kafkaProperty=key=value}. KafkaIO's readers and
 * writers, the topic checks before a launch, serve's model-event publisher, {@code replay}, {@code
 * models}, {@code run} and the benchmarks all take their configuration from here.
 *
 * <p>Secrets stay out of what people see. The file is read where a client is made (on a worker
 * too), so a job graph, KafkaIO's display data and the options printed with a job carry its path,
 * never its content; a secret key ({@link #isSecret}) given on the command line is refused, naming
 * the file option, because the command line is kept in shell histories, process lists and the job's
 * options; {@link #describe} masks secret values.
 *
 * <p>Precedence: Freshet's defaults for a client ({@code linger.ms=0}, ...), then the file, then
 * {@code --kafkaProperty}; {@code bootstrap.servers}, {@code group.id} and the (de)serializers are
 * always Freshet's ({@code --bootstrapServers}, {@code --consumerGroup}).
 */
public final class KafkaClients implements Serializable {
  /** Keys Freshet sets itself and the properties may not change. */
  private static final List<String> CONTROLLED =
      List.of(
          CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
          ConsumerConfig.GROUP_ID_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

  private final String bootstrapServers;
  private final @Nullable String propertiesFile;
  private final Map<String, String> inline;

  private KafkaClients(
      String bootstrapServers, @Nullable String propertiesFile, Map<String, String> inline) {
    this.bootstrapServers = bootstrapServers;
    this.propertiesFile = propertiesFile;
    this.inline = Map.copyOf(inline);
  }

  /** Plain clients of {@code bootstrapServers}: no properties. */
  public static KafkaClients plain(String bootstrapServers) {
    return new KafkaClients(bootstrapServers, null, Map.of());
  }

  /** The clients of a pipeline's options; a bad option fails here, naming it. */
  public static KafkaClients of(KafkaOptions options) {
    return of(options.getBootstrapServers(), options);
  }

  /** The clients of {@code bootstrapServers} with the properties of {@code options}. */
  public static KafkaClients of(String bootstrapServers, KafkaClientOptions options) {
    return of(bootstrapServers, options.getKafkaProperties(), options.getKafkaProperty());
  }

  /**
   * The clients of {@code bootstrapServers} with the properties of {@code propertiesFile} (may be
   * null) and {@code properties} ({@code key=value} each, may be null). Checks that the file can be
   * read and that no secret is given inline.
   */
  public static KafkaClients of(
      String bootstrapServers, @Nullable String propertiesFile, @Nullable List<String> properties) {
    Map<String, String> inline = new LinkedHashMap<>();
    for (String p : properties == null ? List.<String>of() : properties) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--kafkaProperty=" + p + " is not key=value (for example linger.ms=5)");
      }
      String key = p.substring(0, eq).trim();
      if (isSecret(key)) {
        throw new IllegalArgumentException(
            "--kafkaProperty="
                + key
                + "=... is a secret: put it in the file given as --kafkaProperties, which is read"
                + " where each client is made, so that it stays out of shell histories, process"
                + " lists and the job's options");
      }
      requireNotControlled(key, "--kafkaProperty");
      inline.put(key, p.substring(eq + 1).trim());
    }
    KafkaClients clients =
        new KafkaClients(
            bootstrapServers,
            propertiesFile == null || propertiesFile.isBlank() ? null : propertiesFile,
            inline);
    clients.properties(); // reads the file now, so a missing or bad one fails before any job
    return clients;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Whether the value of {@code key} must not be shown: passwords, JAAS lines, credentials. */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.equals("sasl.jaas.config")
        || k.contains("password")
        || k.contains("secret")
        || k.endsWith("credentials")
        || k.endsWith("user.info")
        || k.endsWith(".key");
  }

  /** The properties of the file, then the inline ones: what the user configured. */
  public Map<String, String> properties() {
    Map<String, String> all = new LinkedHashMap<>();
    if (propertiesFile != null) {
      Properties file = new Properties();
      try (InputStream in =
          Channels.newInputStream(
              FileSystems.open(FileSystems.matchSingleFileSpec(propertiesFile).resourceId()))) {
        file.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "--kafkaProperties="
                + propertiesFile
                + " cannot be read ("
                + e.getMessage()
                + "): give a Java properties file of Kafka client settings",
            e);
      }
      for (String key : new TreeMap<>(file).keySet().stream().map(String::valueOf).toList()) {
        requireNotControlled(key, "--kafkaProperties=" + propertiesFile + ":");
        all.put(key, file.getProperty(key).trim());
      }
    }
    all.putAll(inline);
    return all;
  }

  /**
   * A client's configuration (consumer, producer or admin): {@code defaults}, then the user's
   * properties, then the bootstrap servers.
   */
  public Map<String, Object> config(Map<String, Object> defaults) {
    Map<String, Object> all = new HashMap<>(defaults);
    all.putAll(properties());
    all.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return all;
  }

  /**
   * {@code config} (as KafkaIO builds it on a worker) with the user's properties added, Freshet's
   * controlled keys kept.
   */
  private Map<String, Object> onWorker(Map<String, Object> config) {
    Map<String, Object> all = new HashMap<>(config);
    all.putAll(properties());
    for (String key : CONTROLLED) {
      if (config.containsKey(key)) {
        all.put(key, config.get(key));
      }
    }
    return all;
  }

  /**
   * How KafkaIO makes its consumers: on the worker, with the user's properties added there, so the
   * job graph carries the properties file's path, not its content.
   */
  public SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory() {
    KafkaClients clients = this;
    return config -> new KafkaConsumer<>(clients.onWorker(config));
  }

  /** How KafkaIO makes its producers: as {@link #consumerFactory()}. */
  public <K, V> SerializableFunction<Map<String, Object>, Producer<K, V>> producerFactory() {
    KafkaClients clients = this;
    return config -> new KafkaProducer<>(clients.onWorker(config));
  }

  /** These settings as a pipeline's options, to launch one with them. */
  public List<String> options() {
    List<String> options = new ArrayList<>(List.of("--bootstrapServers=" + bootstrapServers));
    if (propertiesFile != null) {
      options.add("--kafkaProperties=" + propertiesFile);
    }
    inline.forEach((k, v) -> options.add("--kafkaProperty=" + k + "=" + v));
    return options;
  }

  /** Whether the user configured anything beyond the servers. */
  public boolean configured() {
    return propertiesFile != null || !inline.isEmpty();
  }

  /**
   * The servers and the user's settings for a log line or a message, secret values masked: {@code
   * kafka-0:9092 (security.protocol=SASL_SSL, sasl.jaas.config=[hidden], from client.properties)}.
   */
  public String describe() {
    if (!configured()) {
      return bootstrapServers;
    }
    List<String> shown = new ArrayList<>();
    properties().forEach((k, v) -> shown.add(k + "=" + (isSecret(k) ? "[hidden]" : v)));
    if (propertiesFile != null) {
      shown.add("from " + propertiesFile);
    }
    return bootstrapServers + " (" + String.join(", ", shown) + ")";
  }

  private static void requireNotControlled(String key, String where) {
    if (CONTROLLED.contains(key)) {
      throw new IllegalArgumentException(
          where
              + " sets "
              + key
              + ", which Freshet sets itself: use --bootstrapServers (and --consumerGroup for"
              + " group.id); the (de)serializers are fixed");
    }
  }

  @Override
  public String toString() {
    return describe();
  }
}
