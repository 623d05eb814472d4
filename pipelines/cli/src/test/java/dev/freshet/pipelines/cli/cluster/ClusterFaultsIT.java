package dev.freshet.pipelines.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The whole loop on the local cluster (three brokers, a JobManager, two TaskManagers, each its own
 * JVM) through three faults: serve and learn run as the user runs them, with checkpoints every 2 s;
 * a fraud stream of 4,000 payments (after the 2,000 production was trained on) is replayed at 100
 * payments a second with its chargebacks, in four phases, each with malformed records in it:
 *
 * <ol>
 *   <li>no fault (both jobs live);
 *   <li>the TaskManager running serve killed with SIGKILL (then started again, as a supervisor
 *       would);
 *   <li>a broker stopped, then started again, while payments flow;
 *   <li>learn cancelled and submitted again from its last retained checkpoint.
 * </ol>
 *
 * <p>Afterwards every payment has at least one prediction and every malformed record its dead
 * letter; learn still decides (offline gate) after its resubmission, and no label is lost: its last
 * decision counts as many examples learnt as there are payments whose label time (the chargeback's
 * time, or the payment's plus the 48 h window) is at or before the decision's label time. Prints
 * the duplicates and the recovery time per fault (docs/faults.md).
 */
public class ClusterFaultsIT {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** Payments production is trained on, and payments then streamed (in {@link #PHASES} parts). */
  private static final int HISTORY = 2_000;

  private static final int STREAMED = 4_000;
  private static final int PHASES = 4;

  /** Few payments per stream hour: 48 h label windows close after 864 payments. */
  private static final double EVENTS_PER_SECOND = 0.005;

  /** 100 payments a second. */
  private static final double SPEEDUP = 100 / EVENTS_PER_SECOND;

  /** Generous: two busy cores for six JVMs, this one and two jobs' restarts. */
  private static final Duration WAIT = Duration.ofMinutes(8);

  private static final String SERVE_JOB = "freshet-serve";
  private static final String LEARN_JOB = "freshet-learn";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Event ids by wall-clock time sent (nanoTime), of the payments replayed. */
  private final Map<String, Long> sentAt = new ConcurrentHashMap<>();

  /** Predictions per event id, dead letters by payload, learn's decisions. */
  private final Map<String, Integer> scored = new HashMap<>();

  /** The reason of each malformed record's dead letter, by the record's id ({@code bad-...}). */
  private final Map<String, String> deadReasons = new HashMap<>();

  /** Dead letters of records other than the malformed ones sent, by source and reason. */
  private final Map<String, Integer> otherDeadLetters = new java.util.TreeMap<>();

  private final List<JsonNode> decisions = new ArrayList<>();

  /** When each decision arrived (nanoTime), in the order of {@link #decisions}. */
  private final List<Long> decidedAt = new ArrayList<>();

  @Test
  public void theLoopLosesNothingWhenATaskManagerDiesABrokerRestartsAndLearnIsResubmitted()
      throws Exception {
    Path work = tmp.getRoot().toPath();
    Stream stream = Stream.generate(work.resolve("data"));
    Path registry = work.resolve("registry");
    TrainAndRegister.Outcome trained =
        TrainJob.train(
            Launcher.parse(
                TrainOptions.class,
                "--events=" + stream.historyEvents(),
                "--outcomes=" + stream.historyOutcomes(),
                "--registry=" + registry,
                "--epochs=5",
                "--positiveClassWeight=5"),
            QUIET);
    ModelRegistry models = ModelRegistry.at(registry.toString());
    if (!trained.promoted()) {
      models.promote(trained.versionId());
    }
    FeatureSpec spec = stream.spec();

    try (LocalCluster cluster =
        LocalCluster.start(LocalCluster.Settings.in(work.resolve("cluster")), System.out)) {
      KafkaTopics.create(
          cluster.bootstrapServers(),
          2,
          List.of("events", "outcomes", "predictions", "dead-letters", "model-events"));
      List<String> common = new ArrayList<>(cluster.jobOptions());
      common.addAll(
          List.of(
              "--parallelism=1",
              "--checkpointingInterval=2000",
              // A cancelled job's last checkpoint stays, to submit it again from there.
              "--externalizedCheckpointsEnabled=true",
              "--retainExternalizedCheckpointsOnCancellation=true",
              "--startOffset=EARLIEST",
              "--registry=" + registry.toAbsolutePath()));
      List<String> serveArgs = new ArrayList<>(common);
      serveArgs.add("--jobName=" + SERVE_JOB);
      serveArgs.addAll(moreServeArgs());
      List<String> learnArgs = new ArrayList<>(common);
      learnArgs.addAll(
          List.of(
              "--jobName=" + LEARN_JOB,
              // A candidate every 300 examples: at learn's cancel it has most likely learnt some
              // since its latest, which the resubmitted learner must learn again (the report
              // prints "learning again" when it does).
              "--microBatchSize=100",
              "--gateEvery=3",
              "--maxBatchWaitSeconds=2",
              // Offline decisions only: a challenger under online evaluation would hold them back.
              "--promote=false"));
      PipelineResult serving =
          ServeJob.start(ServeJob.parse(serveArgs.toArray(String[]::new)), QUIET);
      PipelineResult learning =
          LearnJob.start(LearnJob.parse(learnArgs.toArray(String[]::new)), QUIET);
      List<Fault> faults = new ArrayList<>();
      // The malformed records sent (by their phase's id), with the reason each must come back with.
      Map<String, String> malformedSent = new HashMap<>();
      try (TopicTail tail =
              TopicTail.of(
                  cluster.bootstrapServers(),
                  List.of("predictions", "dead-letters", "model-events"));
          KafkaProducer<String, String> producer =
              JsonRecords.producer(cluster.bootstrapServers())) {
        for (int phase = 0; phase < PHASES; phase++) {
          AtomicInteger sentInPhase = new AtomicInteger();
          // Learn is cancelled before the last phase's payments, so that what it must learn after
          // its resubmission arrives while it is down.
          long faultAt = System.nanoTime();
          String learnCheckpoint = phase == PHASES - 1 ? cancelLearn(cluster, learning) : null;
          CompletableFuture<Void> replay = stream.replay(phase, cluster, sentAt, sentInPhase);
          // The fault comes once a third of the phase's payments are out.
          await().atMost(WAIT).until(() -> sentInPhase.get() >= STREAMED / PHASES / 3);
          if (learnCheckpoint == null) {
            faultAt = System.nanoTime();
          }
          String fault =
              switch (phase) {
                case 0 -> null;
                case 1 -> killServesTaskManager(cluster);
                case 2 -> restartABroker(cluster, sentInPhase);
                default -> {
                  learning = submitLearnAgain(learnCheckpoint, learnArgs);
                  yield "learn cancelled, submitted again from its last checkpoint";
                }
              };
          System.out.printf("phase %d: %s%n", phase, fault == null ? "no fault" : fault);
          for (Map.Entry<DeadLetterReason, String> bad :
              MalformedRecords.of(spec.events(), stream.events().get(phase * 10)).entrySet()) {
            String payload = bad.getValue().replace("\"bad-", "\"bad-" + phase + "-");
            producer.send(new ProducerRecord<>("events", "bad", payload)).get();
            malformedSent.put(malformedId(payload), bad.getKey().name());
          }
          replay.get();
          int through = (phase + 1) * (STREAMED / PHASES);
          List<String> due = stream.eventIds().subList(0, through);
          boolean complete =
              tail.pollUntil(
                  () -> due.stream().allMatch(scored::containsKey),
                  WAIT,
                  r -> collect(r.topic(), r.value()));
          assertThat(complete)
              .as(
                  "phase %d (%s): predictions for %d of %d payments",
                  phase, fault, due.stream().filter(scored::containsKey).count(), due.size())
              .isTrue();
          if (fault != null) {
            faults.add(new Fault(fault, faultAt, learnCheckpoint != null));
          }
          System.out.printf(
              "phase %d: every payment so far predicted (%d distinct, %d predictions)%n",
              phase, scored.size(), scored.values().stream().mapToInt(Integer::intValue).sum());
          if (phase == 1) {
            // A supervisor starts the killed TaskManager again: learn's resubmission needs slots.
            await().atMost(WAIT).until(() -> cluster.registeredTaskManagers() == 2);
          }
        }

        // Dead letters of every malformed record, and learn deciding after its resubmission.
        boolean settled =
            tail.pollUntil(
                () ->
                    deadReasons.entrySet().containsAll(malformedSent.entrySet())
                        && decidedAfter(resubmittedAt),
                WAIT,
                r -> collect(r.topic(), r.value()));
        report(stream, faults, cluster.dir().resolve("logs"));
        assertThat(deadReasons)
            .as("dead letters of the malformed records")
            .containsAllEntriesOf(malformedSent);
        assertThat(decidedAfter(resubmittedAt))
            .as("a decision by the resubmitted learn; decisions: %s", decisions)
            .isTrue();
      } finally {
        learning.cancel();
        serving.cancel();
      }

      assertThat(scored.keySet()).containsAll(stream.eventIds());
      if (serveArgs.contains("--deliveryGuarantee=EXACTLY_ONCE")) {
        assertThat(scored.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
            .as("payments predicted more than once, with exactly-once predictions")
            .isEmpty();
      }
      assertThat(decisions.stream().filter(d -> type(d) == ModelEvent.Type.CANDIDATE))
          .as("candidates registered: %s", decisions)
          .isNotEmpty();
      JsonNode last = lastDecision();
      Instant labelTime = Instant.parse(last.get("label_time").asText());
      long expected = stream.labelledBy(labelTime);
      System.out.printf(
          "learn's last decision: %d examples up to %s; payments labelled by then: %d%n",
          last.get("examples").asLong(), labelTime, expected);
      assertThat(last.get("examples").asLong())
          .as(
              "examples learnt by %s (labels up to %s): every label up to then, once",
              last, labelTime)
          .isEqualTo(expected);
    }
  }

  /**
   * More of serve's options, to measure them under the same faults: here those of the system
   * property {@code freshet.faults.serveArgs}, comma-separated (e.g. {@code
   * -Dfreshet.faults.serveArgs=--featureStages=CHAINED}).
   */
  protected List<String> moreServeArgs() {
    String more = System.getProperty("freshet.faults.serveArgs", "");
    return more.isBlank() ? List.of() : List.of(more.split(","));
  }

  private long resubmittedAt = Long.MAX_VALUE;

  /** SIGKILL to the TaskManager running serve's tasks; started again once serve recovered. */
  private String killServesTaskManager(LocalCluster cluster) throws Exception {
    String job = running(cluster, SERVE_JOB);
    int victim = cluster.taskManagersOf(job).iterator().next();
    cluster.killTaskManager(victim);
    Set<Integer> learnOn =
        cluster.runningJob(LEARN_JOB).map(cluster::taskManagersOf).orElse(Set.of());
    CompletableFuture.runAsync(
        () -> {
          // Restart it once the job runs again elsewhere.
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      cluster.runningJob(SERVE_JOB).isPresent()
                          && cluster.registeredTaskManagers() == 1);
          try {
            cluster.startTaskManager(victim);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    return "taskmanager-"
        + victim
        + " (serve"
        + (learnOn.contains(victim) ? " and learn" : "")
        + ") killed with SIGKILL";
  }

  /** Stops broker 2 (SIGTERM), and starts it again half way through the phase's payments. */
  private String restartABroker(LocalCluster cluster, AtomicInteger sentInPhase) throws Exception {
    String how = cluster.stopBroker(2);
    await().atMost(WAIT).until(() -> sentInPhase.get() >= STREAMED / PHASES * 2 / 3);
    cluster.startBroker(2);
    await().atMost(WAIT).until(() -> cluster.reachableBrokers() == 3);
    return "broker-2 stopped (" + how + ") and started again";
  }

  /** Cancels learn; returns the cancelled job's last completed checkpoint (kept on cancel). */
  private static String cancelLearn(LocalCluster cluster, PipelineResult learning)
      throws Exception {
    String job = running(cluster, LEARN_JOB);
    // As an operator would: cancel once there is a checkpoint to come back to (after the kill a
    // restarted learn may not have completed one yet on a busy machine).
    await("a completed checkpoint of learn")
        .atMost(WAIT)
        .until(() -> cluster.latestCheckpoint(job).isPresent());
    learning.cancel();
    await("learn cancelled")
        .atMost(WAIT)
        .until(() -> cluster.jobState(job).filter("CANCELED"::equals).isPresent());
    // Read again after the cancel (a newer one may have completed, the older ones then go), and
    // waited on: a busy JobManager's REST API times out now and then.
    String checkpoint =
        await("learn's last checkpoint after its cancel")
            .atMost(WAIT)
            .until(() -> cluster.latestCheckpoint(job), Optional::isPresent)
            .orElseThrow();
    assertThat(Path.of(java.net.URI.create(checkpoint))).as("retained on cancel").exists();
    return checkpoint;
  }

  /** Submits learn again, resuming from {@code checkpoint}. */
  private PipelineResult submitLearnAgain(String checkpoint, List<String> learnArgs)
      throws Exception {
    List<String> again = new ArrayList<>(learnArgs);
    again.add("--savepointPath=" + checkpoint);
    PipelineResult resubmitted =
        LearnJob.start(LearnJob.parse(again.toArray(String[]::new)), QUIET);
    resubmittedAt = System.nanoTime();
    return resubmitted;
  }

  /** The id of the running job {@code name}; waits for it (a busy JobManager answers slowly). */
  private static String running(LocalCluster cluster, String name) {
    return await("job " + name + " running; jobs: " + cluster.jobs())
        .atMost(WAIT)
        .until(() -> cluster.runningJob(name), Optional::isPresent)
        .orElseThrow();
  }

  private boolean decidedAfter(long nanos) {
    return decidedAt.stream().anyMatch(t -> t > nanos);
  }

  /**
   * From the fault to the first prediction of a payment sent after it (to learn's first decision
   * after it, for learn's fault).
   */
  private String recovery(long faultAt, boolean learn) {
    if (learn) {
      long decided =
          decidedAt.stream().mapToLong(Long::longValue).filter(t -> t > faultAt).min().orElse(-1);
      return decided < 0
          ? "no decision after it yet"
          : String.format("first decision after it in %.1f s", (decided - faultAt) / 1e9);
    }
    long first =
        scoredAt.entrySet().stream()
            .filter(e -> sentAt.getOrDefault(e.getKey(), Long.MIN_VALUE) > faultAt)
            .mapToLong(Map.Entry::getValue)
            .min()
            .orElse(-1);
    return first < 0
        ? "no prediction after it"
        : String.format("first prediction after it in %.1f s", (first - faultAt) / 1e9);
  }

  /** When each event id was first predicted (nanoTime). */
  private final Map<String, Long> scoredAt = new HashMap<>();

  private void collect(String topic, String value) {
    switch (topic) {
      case "predictions" -> {
        String id = Prediction.parse(value).eventId();
        scored.merge(id, 1, Integer::sum);
        scoredAt.putIfAbsent(id, System.nanoTime());
      }
      case "dead-letters" -> {
        String id = malformedId(JsonRecords.text(value, "payload"));
        String reason = JsonRecords.text(value, "reason");
        deadReasons.put(id, reason);
        if (!id.startsWith("bad-")) {
          otherDeadLetters.merge(JsonRecords.text(value, "source") + " " + reason, 1, Integer::sum);
        }
      }
      default -> {
        JsonNode event = JsonRecords.read(value);
        if (event.path("source").asText().contains("learn")
            && (type(event) == ModelEvent.Type.CANDIDATE
                || type(event) == ModelEvent.Type.CANDIDATE_REJECTED)) {
          decisions.add(event);
          decidedAt.add(System.nanoTime());
        }
      }
    }
  }

  private static final Pattern MALFORMED_ID = Pattern.compile("bad-\\d+-[a-z-]+");

  /** The id of a malformed record ({@code bad-<phase>-<what>}), found also in a cut payload. */
  private static String malformedId(String payload) {
    Matcher m = MALFORMED_ID.matcher(payload);
    return m.find() ? m.group() : payload;
  }

  private JsonNode lastDecision() {
    return decisions.stream()
        .filter(d -> d.hasNonNull("label_time") && d.hasNonNull("examples"))
        .max(java.util.Comparator.comparing(d -> Instant.parse(d.get("label_time").asText())))
        .orElseThrow();
  }

  private static ModelEvent.Type type(JsonNode event) {
    for (ModelEvent.Type t : ModelEvent.Type.values()) {
      if (t.json().equals(event.path("type").asText())) {
        return t;
      }
    }
    return null;
  }

  /** A fault injected (nanoTime), and whether it was learn's. */
  private record Fault(String what, long at, boolean learn) {}

  private void report(Stream stream, List<Fault> faults, Path logs) throws java.io.IOException {
    int phaseSize = STREAMED / PHASES;
    for (int phase = 0; phase < PHASES; phase++) {
      List<String> ids = stream.eventIds().subList(phase * phaseSize, (phase + 1) * phaseSize);
      long twice = ids.stream().filter(id -> scored.getOrDefault(id, 0) > 1).count();
      long never = ids.stream().filter(id -> !scored.containsKey(id)).count();
      System.out.printf(
          "phase %d: %d payments, never predicted %d, predicted more than once %d%n",
          phase, ids.size(), never, twice);
    }
    faults.forEach(
        f -> System.out.printf("fault: %s: %s%n", f.what(), recovery(f.at(), f.learn())));
    System.out.println("other dead letters (source reason: count): " + otherDeadLetters);
    decisions.forEach(d -> System.out.println("learn decided: " + d));
    // Where each learner (re)started from, what it learnt again after a restore, late labels.
    Pattern learner = Pattern.compile("learning from|resuming from|learning again|late example");
    try (var files = Files.list(logs)) {
      for (Path log :
          files.filter(f -> f.getFileName().toString().startsWith("taskmanager")).toList()) {
        for (String line : Files.readAllLines(log)) {
          Matcher m = learner.matcher(line);
          if (m.find()) {
            System.out.println(log.getFileName() + ": " + line.substring(m.start()));
          }
        }
      }
    }
  }

  /** The generated payments and chargebacks: the history production learns, then the stream. */
  private record Stream(Path dir, List<String> events, List<String> outcomes, FeatureSpec spec) {
    static Stream generate(Path dir) throws Exception {
      GenerateFraud.write(
          FraudGenerator.builder()
              .seed(11)
              .events(HISTORY + STREAMED)
              .eventsPerSecond(EVENTS_PER_SECOND)
              .build(),
          dir,
          GenerateFraud.Format.jsonl,
          QUIET);
      List<String> all =
          Files.readAllLines(dir.resolve(GenerateFraud.eventsFile(GenerateFraud.Format.jsonl)));
      List<String> outcomes =
          Files.readAllLines(dir.resolve(GenerateFraud.outcomesFile(GenerateFraud.Format.jsonl)));
      Set<String> history = new HashSet<>();
      all.subList(0, HISTORY).forEach(e -> history.add(id(e)));
      Files.write(dir.resolve("history-events.jsonl"), all.subList(0, HISTORY));
      Files.write(
          dir.resolve("history-outcomes.jsonl"),
          outcomes.stream().filter(o -> history.contains(id(o))).toList());
      FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
      return new Stream(
          dir,
          List.copyOf(all.subList(HISTORY, all.size())),
          outcomes.stream().filter(o -> !history.contains(id(o))).toList(),
          spec);
    }

    Path historyEvents() {
      return dir.resolve("history-events.jsonl");
    }

    Path historyOutcomes() {
      return dir.resolve("history-outcomes.jsonl");
    }

    List<String> eventIds() {
      return events.stream().map(Stream::id).toList();
    }

    /**
     * Replays phase {@code phase}'s payments and the chargebacks that arrive by its last payment
     * (paced: {@link #SPEEDUP}), in the background.
     */
    CompletableFuture<Void> replay(
        int phase, LocalCluster cluster, Map<String, Long> sentAt, AtomicInteger sent)
        throws Exception {
      int size = STREAMED / PHASES;
      Instant from = phase == 0 ? Instant.MIN : time(events.get(phase * size - 1), "event_time");
      Instant to = time(events.get((phase + 1) * size - 1), "event_time");
      Path e = dir.resolve("phase-" + phase + "-events.jsonl");
      Path o = dir.resolve("phase-" + phase + "-outcomes.jsonl");
      Files.write(e, events.subList(phase * size, (phase + 1) * size));
      Files.write(
          o,
          outcomes.stream()
              .filter(
                  line -> {
                    Instant t = time(line, "outcome_time");
                    return t.isAfter(from) && !t.isAfter(to);
                  })
              .toList());
      ReplayCommand replay =
          ReplayCommand.of(
              e, o, KafkaClients.plain(cluster.bootstrapServers()), "card_id", SPEEDUP);
      return CompletableFuture.runAsync(
          () -> {
            try {
              replay.replay(
                  QUIET,
                  (record, wallMillis) -> {
                    if (record.topic().equals("events")) {
                      sentAt.put(JsonRecords.text(record.json(), "event_id"), System.nanoTime());
                      sent.incrementAndGet();
                    }
                  });
            } catch (Exception ex) {
              throw new IllegalStateException("replay of phase " + phase + " failed", ex);
            }
          });
    }

    /**
     * Payments whose label time is at or before {@code labelTime}: a chargeback's time when one
     * came within the label window, else the payment's time plus the window.
     */
    long labelledBy(Instant labelTime) {
      Duration window = Duration.ofMillis(spec.labelWindow().getMillis());
      Map<String, Instant> chargebacks = new HashMap<>();
      for (String o : outcomes) {
        chargebacks.merge(id(o), time(o, "outcome_time"), (a, b) -> a.isBefore(b) ? a : b);
      }
      return events.stream()
          .filter(
              e -> {
                Instant t = time(e, "event_time");
                Instant deadline = t.plus(window);
                Instant c = chargebacks.get(id(e));
                Instant labelled = c != null && !c.isAfter(deadline) ? c : deadline;
                return !labelled.isAfter(labelTime);
              })
          .count();
    }

    private static String id(String json) {
      return JsonRecords.text(json, "event_id");
    }

    private static Instant time(String json, String field) {
      return JsonRecords.time(json, field);
    }
  }
}
