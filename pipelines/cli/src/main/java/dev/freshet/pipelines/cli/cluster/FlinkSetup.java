package dev.freshet.pipelines.cli.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * The Flink standalone session cluster's configuration ({@code flink-conf.yaml}) and the command
 * lines of its JobManager and TaskManagers, with the JVM memory flags Flink's own start scripts
 * derive from it (the scripts call the same Flink code, {@code BashJavaUtils}).
 */
final class FlinkSetup {
  static final String JOBMANAGER_MAIN =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  static final String TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  /**
   * The JVM flags Flink's own distribution gives every process on Java 17 ({@code
   * env.java.opts.all} in its default configuration): Flink's serializers (Kryo for types Beam
   * hands it without a coder, e.g. what a step that needs stable input buffers until a checkpoint
   * completes) reach into these JDK packages. Without them such a checkpoint fails with {@code
   * InaccessibleObjectException} and the job restarts, again and again.
   */
  static final List<String> JAVA_17_OPENS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private FlinkSetup() {}

  /**
   * The settings written to {@code flink-conf.yaml}: loopback addresses and the given ports, state
   * on local disk, restarts, the latency settings of docs/deploy.md, memory for a small machine and
   * the Prometheus reporter of runners/flink/conf on a port range.
   */
  static Map<String, String> conf(Path dir, LocalCluster.Settings s, Ports ports) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.rpc.port", Integer.toString(ports.jobManagerRpc()));
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", Integer.toString(ports.rest()));
    c.put("blob.server.port", Integer.toString(ports.blob()));
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(s.slotsPerTaskManager()));
    c.put("parallelism.default", "1");
    // Memory: 24 GiB and 2 cores shared with Kafka, the job's client and the replay.
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("taskmanager.memory.process.size", s.taskManagerMemory());
    // Every job loads Beam, Freshet and DJL in a user-code class loader of its own.
    c.put("taskmanager.memory.jvm-metaspace.size", "512m");
    // The hashmap state backend keeps state on the heap; managed memory is for RocksDB and batch.
    c.put("taskmanager.memory.managed.fraction", "0.05");
    // State: the hashmap backend (RocksDB's jar is not among Flink's resolved here), checkpoints
    // and savepoints on local disk.
    c.put("state.backend.type", "hashmap");
    c.put("state.checkpoints.dir", dir.resolve("checkpoints").toUri().toString());
    c.put("state.savepoints.dir", dir.resolve("savepoints").toUri().toString());
    c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    c.put("state.checkpoints.num-retained", "3");
    // A failed task (a TaskManager killed) restarts the job from its last checkpoint.
    c.put("restart-strategy.type", "exponential-delay");
    c.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
    c.put("restart-strategy.exponential-delay.max-backoff", "30 s");
    c.put("restart-strategy.exponential-delay.attempts-before-reset-backoff", "100");
    // Latency (docs/deploy.md): flush network buffers after at most 1 ms.
    c.put("execution.buffer-timeout.interval", "1ms");
    // A TaskManager killed with SIGKILL is noticed within seconds: a heartbeat every 2 s, and two
    // heartbeat RPCs that fail (connection refused) mark it lost without waiting for the timeout.
    // The timeout itself is long enough for a busy machine's pauses.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "30000");
    c.put("heartbeat.rpc-failure-threshold", "2");
    // On a busy 2-core machine the RPC system took longer than its default 10 s to start.
    c.put("pekko.startup-timeout", "120 s");
    c.put("pekko.ask.timeout", "60 s");
    c.put("pekko.tcp.timeout", "60 s");
    // DJL and its native engines are on the cluster's class path, loaded parent-first
    // (ClusterClasspath); offline, with libtorch unpacked once into the DJL cache.
    c.put("classloader.parent-first-patterns.additional", "ai.djl.;ai.onnxruntime.");
    c.put("env.java.opts.all", String.join(" ", JAVA_17_OPENS));
    c.put(
        "env.java.opts.taskmanager",
        "-Dai.djl.offline=true -DDJL_CACHE_DIR="
            + djlCache(dir)
            + " -Dai.djl.pytorch.num_threads=1");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("blob.storage.directory", dir.resolve("blobs").toString());
    // runners/flink/conf/flink-conf.yaml: Freshet's metrics on http://localhost:<port>/, one port
    // of the range per process.
    c.put(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    c.put("metrics.reporter.prom.port", ports.prometheus());
    return c;
  }

  /** The DJL cache this JVM uses (./freshet sets one), else one in the cluster directory. */
  private static String djlCache(Path dir) {
    String own = System.getProperty("DJL_CACHE_DIR");
    return own != null
        ? Path.of(own).toAbsolutePath().toString()
        : dir.resolve("djl-cache").toString();
  }

  static Path write(Path confDir, Map<String, String> conf) throws IOException {
    Files.createDirectories(confDir);
    Path file = confDir.resolve("flink-conf.yaml");
    String yaml =
        conf.entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue())
            .collect(Collectors.joining("\n", "# Written by freshet cluster up.\n", "\n"));
    Files.writeString(file, yaml);
    return file;
  }

  /** The JobManager's command line: JVM flags from its memory settings. */
  static List<String> jobManager(String java, String classpath, Path confDir) {
    Configuration config = GlobalConfiguration.loadConfiguration(confDir.toString());
    JobManagerProcessSpec spec =
        JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
            config, JobManagerOptions.TOTAL_PROCESS_MEMORY);
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(split(JobManagerProcessUtils.generateJvmParametersStr(spec, config)));
    // What Flink's scripts add from the configuration.
    cmd.addAll(split(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
    cmd.addAll(split(config.get(CoreOptions.FLINK_JM_JVM_OPTIONS)));
    cmd.addAll(List.of("-cp", classpath, JOBMANAGER_MAIN, "--configDir", confDir.toString()));
    cmd.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
    return cmd;
  }

  /** A TaskManager's command line: JVM flags and the memory dynamic properties Flink derives. */
  static List<String> taskManager(String java, String classpath, Path confDir, String resourceId) {
    Configuration config = GlobalConfiguration.loadConfiguration(confDir.toString());
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(config);
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
    // What Flink's scripts add from the configuration.
    cmd.addAll(split(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
    cmd.addAll(split(config.get(CoreOptions.FLINK_TM_JVM_OPTIONS)));
    cmd.addAll(List.of("-cp", classpath, TASKMANAGER_MAIN, "--configDir", confDir.toString()));
    cmd.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
    cmd.addAll(List.of("-D", "taskmanager.resource-id=" + resourceId));
    return cmd;
  }

  private static List<String> split(String args) {
    return Arrays.stream(args.trim().split("\\s+")).filter(a -> !a.isEmpty()).toList();
  }

  /** The ports the Flink processes listen on; TaskManagers take free ones of their own. */
  record Ports(int jobManagerRpc, int rest, int blob, String prometheus) {}
}
