package dev.freshet.pipelines.cli.cluster;

import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code freshet cluster up|down|status}: a Flink standalone session cluster and Kafka brokers on
 * this machine, each process its own JVM (see {@link LocalCluster}).
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "A local cluster of separate processes: a Flink 1.19 standalone session cluster (a"
          + " JobManager, TaskManagers) and Kafka brokers (KRaft), each its own JVM, logs and data"
          + " under --dir. Jobs are submitted to it as to any Flink cluster (--runner=FlinkRunner"
          + " --flinkMaster=localhost:PORT --bootstrapServers=...; docs/deploy.md, \"A local"
          + " cluster\")."
    },
    subcommands = {ClusterCommand.Up.class, ClusterCommand.Down.class, ClusterCommand.Status.class})
public final class ClusterCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    new picocli.CommandLine(this).usage(System.out);
    return 0;
  }

  abstract static class DirOption {
    @Option(
        names = "--dir",
        defaultValue = "out/cluster",
        description =
            "The cluster's directory: cluster.json (its processes), logs/, conf/, Kafka's data, checkpoints (default: ${DEFAULT-VALUE}).")
    Path dir;

    /** The cluster recorded in {@link #dir}, or empty after saying on stderr how to start one. */
    Optional<LocalCluster> recorded() throws Exception {
      Optional<LocalCluster> cluster = LocalCluster.attach(dir);
      if (cluster.isEmpty()) {
        System.err.printf(
            "error: no cluster recorded in %s (no %s); freshet cluster up --dir=%s starts one%n",
            dir, LocalCluster.STATE_FILE, dir);
      }
      return cluster;
    }
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = {
        "Starts the brokers, the JobManager and the TaskManagers, waits until the JobManager's"
            + " REST API counts every TaskManager and every broker answers, then prints the REST"
            + " address and the bootstrap servers and returns; the processes keep running until"
            + " freshet cluster down. Fails if a cluster recorded in --dir still runs; a stopped"
            + " one's data and checkpoints are removed (its logs move to logs.previous/)."
      })
  static final class Up extends DirOption implements Callable<Integer> {
    @Option(
        names = "--brokers",
        defaultValue = "3",
        description =
            "Kafka brokers, 1 or 3 (3: replication factor 3, min.insync.replicas 2; about 700 MB each) (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(
        names = "--taskManagers",
        defaultValue = "2",
        description = "TaskManagers (default: ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(
        names = "--slots",
        defaultValue = "2",
        description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
        names = "--taskManagerMemory",
        defaultValue = "2560m",
        description =
            "Each TaskManager's process size, Flink's taskmanager.memory.process.size (default: ${DEFAULT-VALUE}).")
    String taskManagerMemory;

    @Option(
        names = "--restPort",
        defaultValue = "0",
        description = "The JobManager's REST port; 0: a free one (default: ${DEFAULT-VALUE}).")
    int restPort;

    @Option(
        names = "--topics",
        split = ",",
        defaultValue = "events,outcomes,predictions,dead-letters,model-events",
        description =
            "Topics to create once the brokers answer, with retention.ms=-1 (Freshet replays past events), as freshet run does; --topics= creates none (default: ${DEFAULT-VALUE}).")
    List<String> topics;

    @Option(
        names = "--partitions",
        defaultValue = "2",
        description = "Partitions of each topic --topics creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
        names = "--timeout",
        defaultValue = "180",
        description =
            "Seconds to wait for the cluster to be ready before stopping it and failing (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Override
    public Integer call() throws Exception {
      PrintStream out = System.out;
      LocalCluster.Settings settings =
          new LocalCluster.Settings(
              dir,
              brokers,
              taskManagers,
              slots,
              taskManagerMemory,
              restPort,
              Duration.ofSeconds(timeout));
      Optional<LocalCluster> existing = LocalCluster.attach(dir);
      if (existing.isPresent() && existing.get().alive().containsValue(true)) {
        System.err.printf(
            "error: a cluster is already running in %s (REST %s, Kafka %s); freshet cluster status"
                + " --dir=%s shows it, freshet cluster down --dir=%s stops it%n",
            dir, existing.get().restAddress(), existing.get().bootstrapServers(), dir, dir);
        return 1;
      }
      out.printf("freshet cluster up: %s%n", dir.toAbsolutePath().normalize());
      LocalCluster cluster = LocalCluster.start(settings, out);
      List<String> create = topics.stream().filter(t -> !t.isBlank()).toList();
      if (!create.isEmpty()) {
        KafkaTopics.create(
            KafkaClients.plain(cluster.bootstrapServers()),
            partitions,
            create,
            KafkaTopics.KEEP_REGARDLESS_OF_AGE);
        out.printf(
            "  topics %s (%d partitions, replication factor %d)%n",
            String.join(", ", create), partitions, brokers);
      }
      out.println();
      out.printf(
          "Flink REST        %s   (--runner=FlinkRunner --flinkMaster=%s)%n",
          cluster.restAddress(), cluster.flinkMaster());
      out.printf("bootstrap servers %s%n", cluster.bootstrapServers());
      out.printf(
          "processes         %s (logs in %s)%n",
          cluster.dir().resolve(LocalCluster.STATE_FILE), cluster.dir().resolve("logs"));
      out.printf("stop it with      freshet cluster down --dir=%s%n", dir);
      return 0;
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = {
        "Stops exactly the processes freshet cluster up recorded in --dir (by pid and start time,"
            + " never by name): SIGTERM, SIGKILL after 30 s; prints what it stopped. Logs and data"
            + " stay in --dir."
      })
  static final class Down extends DirOption implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Optional<LocalCluster> cluster = recorded();
      if (cluster.isEmpty()) {
        return 1;
      }
      for (Map.Entry<String, String> e : cluster.get().stop().entrySet()) {
        System.out.printf("  %-32s %s%n", e.getKey(), e.getValue());
      }
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "What runs of the cluster recorded in --dir: each process (pid, alive or dead, ports), the"
            + " TaskManagers the JobManager counts and its jobs (REST), the brokers that answer."
            + " Exit status 0 when every process runs, 1 otherwise."
      })
  static final class Status extends DirOption implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Optional<LocalCluster> found = recorded();
      if (found.isEmpty()) {
        return 1;
      }
      LocalCluster cluster = found.get();
      PrintStream out = System.out;
      boolean all = true;
      for (ClusterProcess p : cluster.processes()) {
        boolean alive = p.alive();
        all &= alive;
        out.printf(
            "  %-14s pid %-8d %-6s %s  log %s%n",
            p.name(),
            p.pid(),
            alive ? "alive" : "DEAD",
            p.ports().isEmpty() ? "" : "ports " + p.ports(),
            p.log());
      }
      int tms = cluster.registeredTaskManagers();
      out.printf(
          "Flink REST %s: %s%n",
          cluster.restAddress(), tms < 0 ? "not answering" : tms + " TaskManager(s) registered");
      for (String job : cluster.jobs()) {
        out.printf("  job %s%n", job);
      }
      int brokers = cluster.reachableBrokers();
      out.printf(
          "Kafka %s: %s%n",
          cluster.bootstrapServers(),
          brokers < 0 ? "not answering" : brokers + " broker(s) answering");
      if (cluster.alive().values().stream().noneMatch(a -> a)) {
        out.printf("nothing runs; freshet cluster up --dir=%s starts a new cluster%n", dir);
      } else if (!all) {
        out.printf(
            "some processes are dead: their logs say why; freshet cluster down --dir=%s stops the rest%n",
            dir);
      }
      return all ? 0 : 1;
    }
  }
}
