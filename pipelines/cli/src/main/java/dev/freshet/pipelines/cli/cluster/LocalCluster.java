package dev.freshet.pipelines.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A cluster of separate processes on this machine: a Flink standalone session cluster (one
 * JobManager, TaskManagers) and Kafka brokers (KRaft), each its own JVM with its log under the
 * cluster directory, recorded (pid, start time, command, ports) in {@code cluster.json} there so
 * that another JVM ({@code freshet cluster status|down}) finds exactly these processes.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.in(dir), System.out)) {
 *   ... --flinkMaster=cluster.flinkMaster() --bootstrapServers=cluster.bootstrapServers() ...
 *   cluster.killTaskManager(1);   // SIGKILL
 *   cluster.stopBroker(2);        // SIGTERM
 *   cluster.startBroker(2);
 * }
 * }</pre>
 */
public final class LocalCluster implements AutoCloseable {
  static final String STATE_FILE = "cluster.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  /**
   * What to start: where (logs, configuration, Kafka's data, checkpoints), how many brokers (1 or
   * 3), TaskManagers and slots, the TaskManagers' memory, the REST port (0: a free one) and how
   * long to wait for it all to be ready.
   */
  public record Settings(
      Path dir,
      int brokers,
      int taskManagers,
      int slotsPerTaskManager,
      String taskManagerMemory,
      int restPort,
      Duration readyTimeout) {
    public Settings {
      if (brokers != 1 && brokers != 3) {
        throw new IllegalArgumentException("--brokers must be 1 or 3, got " + brokers);
      }
      if (taskManagers < 1) {
        throw new IllegalArgumentException(
            "--taskManagers must be at least 1, got " + taskManagers);
      }
      if (slotsPerTaskManager < 1) {
        throw new IllegalArgumentException(
            "--slots must be at least 1, got " + slotsPerTaskManager);
      }
      if (restPort < 0 || restPort > 65_535) {
        throw new IllegalArgumentException(
            "--restPort must be 0 (a free port) or a port, got " + restPort);
      }
    }

    /** Three brokers, two TaskManagers with two slots of 2.5 GiB processes, a free REST port. */
    public static Settings in(Path dir) {
      return new Settings(dir, 3, 2, 2, "2560m", 0, Duration.ofMinutes(3));
    }

    public Settings withBrokers(int n) {
      return new Settings(
          dir, n, taskManagers, slotsPerTaskManager, taskManagerMemory, restPort, readyTimeout);
    }

    public Settings withSlotsPerTaskManager(int n) {
      return new Settings(dir, brokers, taskManagers, n, taskManagerMemory, restPort, readyTimeout);
    }
  }

  /** What {@code cluster.json} holds. */
  public record State(
      String restAddress,
      String flinkMaster,
      String bootstrapServers,
      int taskManagers,
      List<ClusterProcess> processes) {}

  private final Path dir;
  private final String java;
  private State state;

  /** The processes as last recorded, by name; replaced when one is restarted. */
  private final Map<String, ClusterProcess> processes = new LinkedHashMap<>();

  private LocalCluster(Path dir, String java, State state) {
    this.dir = dir;
    this.java = java;
    this.state = state;
    state.processes().forEach(p -> processes.put(p.name(), p));
  }

  /**
   * Starts the brokers, the JobManager and the TaskManagers, and returns once the JobManager's REST
   * API counts every TaskManager and every broker answers a metadata request. Fails, naming the
   * directory, when a cluster recorded there still runs. Progress goes to {@code out}.
   */
  public static LocalCluster start(Settings s, PrintStream out)
      throws IOException, InterruptedException {
    Path dir = s.dir().toAbsolutePath().normalize();
    Optional<LocalCluster> running = attach(dir);
    if (running.isPresent() && running.get().alive().values().stream().anyMatch(a -> a)) {
      throw new IllegalStateException(
          "a cluster recorded in "
              + dir.resolve(STATE_FILE)
              + " is running (freshet cluster status --dir="
              + s.dir()
              + "); stop it first with freshet cluster down --dir="
              + s.dir());
    }
    clearPrevious(dir, out);
    Files.createDirectories(dir.resolve("logs"));
    String java = javaCommand();
    List<ClusterProcess> started = new ArrayList<>();
    LocalCluster cluster = null;
    try {
      // Kafka
      List<KafkaSetup.NodePorts> nodes = new ArrayList<>();
      for (int i = 0; i < s.brokers(); i++) {
        nodes.add(new KafkaSetup.NodePorts(freePort(), freePort()));
      }
      List<Path> configs = KafkaSetup.write(dir, nodes);
      KafkaSetup.format(configs, Uuid.randomUuid().toString());
      String bootstrap =
          String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.client()).toList());
      for (int i = 0; i < s.brokers(); i++) {
        String name = "broker-" + (i + 1);
        started.add(
            ClusterProcess.start(
                name,
                KafkaSetup.command(java, ClusterClasspath.kafka(), configs.get(i)),
                dir.resolve("logs").resolve(name + ".log"),
                Map.of(
                    "client", Integer.toString(nodes.get(i).client()),
                    "controller", Integer.toString(nodes.get(i).controller()))));
      }
      out.printf("  Kafka: %d broker(s) (KRaft) starting at %s%n", s.brokers(), bootstrap);

      // Flink
      int rest = s.restPort() == 0 ? freePort() : s.restPort();
      int prom = freePort();
      FlinkSetup.Ports ports =
          new FlinkSetup.Ports(
              freePort(), rest, freePort(), prom + "-" + (prom + s.taskManagers() + 1));
      Path confDir = dir.resolve("conf");
      FlinkSetup.write(confDir, FlinkSetup.conf(dir, s, ports));
      String flinkCp = ClusterClasspath.flink();
      started.add(
          ClusterProcess.start(
              "jobmanager",
              FlinkSetup.jobManager(java, flinkCp, confDir),
              dir.resolve("logs").resolve("jobmanager.log"),
              Map.of(
                  "rest", Integer.toString(rest),
                  "rpc", Integer.toString(ports.jobManagerRpc()),
                  "blob", Integer.toString(ports.blob()),
                  "prometheus", ports.prometheus())));
      for (int i = 1; i <= s.taskManagers(); i++) {
        started.add(startTaskManagerProcess(dir, java, flinkCp, i));
      }
      out.printf(
          "  Flink: a JobManager and %d TaskManager(s) (%d slots each) starting; REST on port %d%n",
          s.taskManagers(), s.slotsPerTaskManager(), rest);
      State state =
          new State(
              "http://localhost:" + rest,
              "localhost:" + rest,
              bootstrap,
              s.taskManagers(),
              started);
      cluster = new LocalCluster(dir, java, state);
      cluster.save();
      cluster.awaitReady(s.brokers(), s.readyTimeout(), out);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      // Nothing half-started stays behind.
      for (ClusterProcess p : started) {
        p.kill();
      }
      throw e;
    }
  }

  /**
   * The cluster recorded in {@code dir}, running or not; empty when none was ever started there.
   */
  public static Optional<LocalCluster> attach(Path dir) throws IOException {
    Path file = dir.toAbsolutePath().resolve(STATE_FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(
        new LocalCluster(
            dir.toAbsolutePath().normalize(),
            javaCommand(),
            JSON.readValue(file.toFile(), State.class)));
  }

  public String restAddress() {
    return state.restAddress();
  }

  /** {@code localhost:<rest port>}, for {@code --flinkMaster}. */
  public String flinkMaster() {
    return state.flinkMaster();
  }

  public String bootstrapServers() {
    return state.bootstrapServers();
  }

  /**
   * The options that submit a job to this cluster from this JVM's class path: the Flink runner, the
   * JobManager's address, the jars and classes staged with the job ({@link
   * ClusterClasspath#jobFiles}) and the brokers.
   */
  public List<String> jobOptions() {
    return List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=" + flinkMaster(),
        "--filesToStage=" + String.join(",", ClusterClasspath.jobFiles()),
        "--bootstrapServers=" + bootstrapServers());
  }

  public Path dir() {
    return dir;
  }

  /** Every recorded process, in start order. */
  public List<ClusterProcess> processes() {
    return List.copyOf(processes.values());
  }

  /** Whether each recorded process runs (the pid alive and started when recorded), by name. */
  public Map<String, Boolean> alive() {
    Map<String, Boolean> alive = new LinkedHashMap<>();
    processes.forEach((name, p) -> alive.put(name, p.alive()));
    return alive;
  }

  /** SIGKILL to TaskManager {@code i} (1-based); waits until it is gone. */
  public void killTaskManager(int i) throws InterruptedException, IOException {
    process("taskmanager-" + i).kill();
  }

  /** Starts TaskManager {@code i} again (after {@link #killTaskManager}); does not wait for it. */
  public void startTaskManager(int i) throws IOException {
    ClusterProcess p = process("taskmanager-" + i);
    if (p.alive()) {
      throw new IllegalStateException("taskmanager-" + i + " is running (pid " + p.pid() + ")");
    }
    replace(startTaskManagerProcess(dir, java, ClusterClasspath.flink(), i));
  }

  /** SIGTERM to broker {@code i} (1-based): a controlled shutdown; SIGKILL after 30 s. */
  public String stopBroker(int i) throws InterruptedException, IOException {
    return process("broker-" + i).stop(STOP_GRACE);
  }

  /** Starts broker {@code i} again on its log directory and ports; does not wait for it. */
  public void startBroker(int i) throws IOException {
    ClusterProcess p = process("broker-" + i);
    if (p.alive()) {
      throw new IllegalStateException("broker-" + i + " is running (pid " + p.pid() + ")");
    }
    replace(ClusterProcess.start(p.name(), p.command(), Path.of(p.log()), p.ports()));
  }

  /**
   * TaskManagers the JobManager counts ({@code /overview}); -1 when its REST API does not answer.
   */
  public int registeredTaskManagers() {
    return rest("/overview").map(o -> o.path("taskmanagers").asInt(-1)).orElse(-1);
  }

  /** The jobs the JobManager knows, as "name (id): STATE"; empty when it does not answer. */
  public List<String> jobs() {
    return rest("/jobs/overview")
        .map(
            o -> {
              List<String> jobs = new ArrayList<>();
              o.path("jobs")
                  .forEach(
                      j ->
                          jobs.add(
                              j.path("name").asText()
                                  + " ("
                                  + j.path("jid").asText()
                                  + "): "
                                  + j.path("state").asText()));
              return jobs;
            })
        .orElse(List.of());
  }

  /** The id of the running job named {@code name} (Beam's {@code --jobName}), if there is one. */
  public Optional<String> runningJob(String name) {
    return rest("/jobs/overview")
        .flatMap(
            o -> {
              for (JsonNode j : o.path("jobs")) {
                if (j.path("name").asText().equals(name)
                    && j.path("state").asText().equals("RUNNING")) {
                  return Optional.of(j.path("jid").asText());
                }
              }
              return Optional.empty();
            });
  }

  /**
   * The state of job {@code jobId} (RUNNING, CANCELLING, CANCELED, ...); empty when the JobManager
   * does not answer.
   */
  public Optional<String> jobState(String jobId) {
    return rest("/jobs/" + jobId).map(j -> j.path("state").asText()).filter(s -> !s.isEmpty());
  }

  /**
   * Where job {@code jobId}'s latest completed checkpoint lies (a directory to resume from with
   * {@code --savepointPath}), if it has one.
   */
  public Optional<String> latestCheckpoint(String jobId) {
    return rest("/jobs/" + jobId + "/checkpoints")
        .map(c -> c.path("latest").path("completed").path("external_path").asText(""))
        .filter(path -> !path.isEmpty());
  }

  /** The TaskManagers (1-based) running a task of job {@code jobId}. */
  public Set<Integer> taskManagersOf(String jobId) {
    Set<Integer> tms = new TreeSet<>();
    JsonNode job = rest("/jobs/" + jobId).orElse(null);
    if (job == null) {
      return tms;
    }
    for (JsonNode vertex : job.path("vertices")) {
      String path = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers";
      rest(path)
          .ifPresent(
              t ->
                  t.path("taskmanagers")
                      .forEach(
                          tm -> tms.add(taskManagerNumber(tm.path("taskmanager-id").asText()))));
    }
    return tms;
  }

  /** The number of a TaskManager's resource id ({@code taskmanager-<i>}). */
  private static int taskManagerNumber(String resourceId) {
    return Integer.parseInt(resourceId.substring(resourceId.lastIndexOf('-') + 1));
  }

  /** Brokers that answer a metadata request; -1 when none does within a few seconds. */
  public int reachableBrokers() {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, state.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000))) {
      return admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
          .nodes()
          .get(6, TimeUnit.SECONDS)
          .size();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return -1;
    }
  }

  /**
   * Stops every recorded process, the TaskManagers, then the JobManager, then the brokers, each
   * group at once (a KRaft quorum whose last voters leave one by one cannot shut down cleanly):
   * SIGTERM, SIGKILL after 30 s. Returns what happened to each, by name. The directory stays.
   */
  public Map<String, String> stop() throws InterruptedException {
    Map<String, String> how = new LinkedHashMap<>();
    for (int rank = 0; rank <= 2; rank++) {
      Map<String, Optional<ProcessHandle>> group = new LinkedHashMap<>();
      for (ClusterProcess p : processes.values()) {
        if (stopRank(p) == rank) {
          group.put(p.name() + " (pid " + p.pid() + ")", p.terminate());
        }
      }
      long deadline = System.nanoTime() + STOP_GRACE.toNanos();
      for (Map.Entry<String, Optional<ProcessHandle>> e : group.entrySet()) {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        how.put(
            e.getKey(),
            e.getValue().isEmpty()
                ? "not running"
                : ClusterProcess.awaitStopped(e.getValue().get(), left));
      }
    }
    return how;
  }

  /** {@link #stop()}. */
  @Override
  public void close() throws IOException {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      for (ClusterProcess p : processes.values()) {
        p.handle().ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static int stopRank(ClusterProcess p) {
    return p.name().startsWith("taskmanager") ? 0 : p.name().equals("jobmanager") ? 1 : 2;
  }

  private void awaitReady(int brokers, Duration timeout, PrintStream out)
      throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    long nextReport = t0;
    int tms = -1;
    int reachable = -1;
    while (System.nanoTime() < deadline) {
      List<String> dead =
          alive().entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
      if (!dead.isEmpty()) {
        StringBuilder tails = new StringBuilder();
        for (String name : dead) {
          tails.append("\n--- last lines of ").append(processes.get(name).log()).append(":\n");
          tails.append(tail(Path.of(processes.get(name).log()), 15));
        }
        throw new IllegalStateException(
            "exited while starting: "
                + dead
                + "; see their logs in "
                + dir.resolve("logs")
                + tails);
      }
      if (reachable < brokers) {
        reachable = reachableBrokers();
      }
      tms = registeredTaskManagers();
      if (tms == state.taskManagers() && reachable == brokers) {
        out.printf("  ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return;
      }
      if (System.nanoTime() >= nextReport) {
        out.printf(
            "  waiting: %s TaskManager(s) registered of %d, %s broker(s) answering of %d (%.0f s)%n",
            tms < 0 ? "REST not up yet," : tms,
            state.taskManagers(),
            Math.max(reachable, 0),
            brokers,
            (System.nanoTime() - t0) / 1e9);
        nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    throw new IllegalStateException(
        String.format(
            "not ready after %d s: %d TaskManager(s) registered of %d, %d broker(s) answering of"
                + " %d; see the logs in %s",
            timeout.toSeconds(),
            tms,
            state.taskManagers(),
            reachable,
            brokers,
            dir.resolve("logs")));
  }

  private Optional<JsonNode> rest(String path) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(state.restAddress() + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private ClusterProcess process(String name) {
    ClusterProcess p = processes.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no " + name + " in this cluster: " + processes.keySet());
    }
    return p;
  }

  private void replace(ClusterProcess p) throws IOException {
    processes.put(p.name(), p);
    save();
  }

  private void save() throws IOException {
    state =
        new State(
            state.restAddress(),
            state.flinkMaster(),
            state.bootstrapServers(),
            state.taskManagers(),
            List.copyOf(processes.values()));
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    JSON.writeValue(tmp.toFile(), state);
    Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING);
  }

  private static ClusterProcess startTaskManagerProcess(Path dir, String java, String cp, int i)
      throws IOException {
    String name = "taskmanager-" + i;
    return ClusterProcess.start(
        name,
        FlinkSetup.taskManager(java, cp, dir.resolve("conf"), name),
        dir.resolve("logs").resolve(name + ".log"),
        Map.of());
  }

  /** A cluster directory used before: its data and checkpoints go, its logs are kept aside. */
  private static void clearPrevious(Path dir, PrintStream out) throws IOException {
    List<Path> old = new ArrayList<>();
    for (String sub : List.of("checkpoints", "savepoints", "tmp", "blobs", "conf", STATE_FILE)) {
      old.add(dir.resolve(sub));
    }
    IntStream.rangeClosed(1, 3).forEach(i -> old.add(dir.resolve("broker-" + i)));
    boolean any = false;
    for (Path p : old) {
      if (Files.exists(p)) {
        any = true;
        try (Stream<Path> files = Files.walk(p)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    if (any) {
      out.printf("  %s: the previous cluster's data, checkpoints and state removed%n", dir);
    }
    if (Files.exists(dir.resolve("logs"))) {
      Path aside = dir.resolve("logs.previous");
      try (Stream<Path> files = Files.exists(aside) ? Files.walk(aside) : Stream.empty()) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      Files.move(dir.resolve("logs"), aside);
    }
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Ports handed out in this JVM: a port given out is not free again until its process binds. */
  private static final Set<Integer> GIVEN_PORTS = ConcurrentHashMap.newKeySet();

  /** Where {@link #freePort} looks: below the kernel's ephemeral ports (32768 on Linux). */
  private static final int LOWEST_PORT = 10_000;

  private static final int EPHEMERAL_PORTS_FROM = ephemeralPortsFrom();

  /**
   * A port free now, below the kernel's ephemeral range. A port the system hands out for {@code new
   * ServerSocket(0)} is an ephemeral one, which is also the source port of outgoing connections: a
   * client retrying a broker that is not listening yet can be given that very port and connect to
   * itself (TCP simultaneous open), and then holds it, so the broker fails with "Address already in
   * use" (seen in a CI-like run, after "Buffer underflow while parsing response for request ...
   * API_VERSIONS" from a client reading its own request).
   */
  private static int freePort() {
    for (int tries = 0; EPHEMERAL_PORTS_FROM > LOWEST_PORT + 100 && tries < 1_000; tries++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, EPHEMERAL_PORTS_FROM);
      if (bindable(port) && GIVEN_PORTS.add(port)) {
        return port;
      }
    }
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        if (GIVEN_PORTS.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The lowest ephemeral port (Linux's ip_local_port_range); 32768 where it cannot be read. */
  private static int ephemeralPortsFrom() {
    try {
      // One line, "32768<TAB>60999". Files.readString reads /proc files short (their size is 0).
      List<String> lines = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
      return Integer.parseInt(lines.get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  private static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
