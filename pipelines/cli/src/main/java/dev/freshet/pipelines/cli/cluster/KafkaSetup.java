package dev.freshet.pipelines.cli.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import kafka.tools.StorageTool;

/**
 * The brokers of a local cluster: Kafka's own server ({@code kafka.Kafka}) in KRaft mode, each node
 * a broker and a controller of one quorum, its log on disk under the cluster directory. With three
 * nodes topics get three replicas and writes need two in sync, so one broker can be stopped and
 * restarted under a running job.
 */
final class KafkaSetup {
  static final String MAIN = "kafka.Kafka";

  private KafkaSetup() {}

  /** The listener ports of node {@code i} (1-based): clients, controllers. */
  record NodePorts(int client, int controller) {}

  /** Writes {@code broker-<i>/server.properties} for every node; returns their paths in order. */
  static List<Path> write(Path dir, List<NodePorts> nodes) throws IOException {
    int n = nodes.size();
    String voters =
        IntStream.range(0, n)
            .mapToObj(i -> (i + 1) + "@127.0.0.1:" + nodes.get(i).controller())
            .collect(Collectors.joining(","));
    String replicas = Integer.toString(n);
    String minInSync = Integer.toString(n >= 3 ? 2 : 1);
    List<Path> configs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path nodeDir = dir.resolve("broker-" + (i + 1));
      Files.createDirectories(nodeDir);
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", Integer.toString(i + 1));
      p.put("controller.quorum.voters", voters);
      p.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:"
              + nodes.get(i).client()
              + ",CONTROLLER://127.0.0.1:"
              + nodes.get(i).controller());
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + nodes.get(i).client());
      p.put("controller.listener.names", "CONTROLLER");
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      p.put("log.dirs", nodeDir.resolve("data").toString());
      p.put("default.replication.factor", replicas);
      p.put("min.insync.replicas", minInSync);
      p.put("offsets.topic.replication.factor", replicas);
      p.put("transaction.state.log.replication.factor", replicas);
      p.put("transaction.state.log.min.isr", minInSync);
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("num.partitions", "1");
      p.put("auto.create.topics.enable", "false");
      // Freshet replays past events: time retention would delete them (KafkaTopics).
      p.put("log.retention.ms", "-1");
      Path config = nodeDir.resolve("server.properties");
      try (var out = Files.newOutputStream(config)) {
        p.store(out, "Written by freshet cluster up: node " + (i + 1) + " of " + n);
      }
      configs.add(config);
    }
    return configs;
  }

  /** Formats every node's log directory for one new cluster id, with Kafka's StorageTool. */
  static void format(List<Path> configs, String clusterId) throws IOException {
    for (Path config : configs) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      int rc =
          StorageTool.execute(
              new String[] {"format", "-t", clusterId, "-c", config.toString()},
              new PrintStream(log, true, StandardCharsets.UTF_8));
      if (rc != 0) {
        throw new IOException(
            "could not format the Kafka log directory of "
                + config
                + ": "
                + log.toString(StandardCharsets.UTF_8));
      }
    }
  }

  static List<String> command(String java, String classpath, Path config) {
    return List.of(
        java,
        "-Xms512m",
        "-Xmx512m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-cp",
        classpath,
        MAIN,
        config.toString());
  }
}
