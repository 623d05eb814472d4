package dev.freshet.pipelines.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A fault on the local cluster: while payments are replayed at a fixed rate into serve
 * (checkpointing every 2 s), the TaskManager running serve is killed with SIGKILL. Flink restarts
 * the job from its last checkpoint on the other TaskManager; every payment still gets at least one
 * prediction. Prints the figures: duplicates (payments scored more than once, which a restore
 * produces: docs/deploy.md, "reads each Kafka partition twice") and the recovery time, from the
 * kill to the first prediction of a payment sent after it (docs/faults.md).
 *
 * <p>It fails today: after the restore, one partition's last records were never read
 * (docs/faults.md), so it runs only when asked for, with {@code -Dfreshet.faults=true}.
 */
public class TaskManagerKillIT {
  private static final int EVENTS = 3_000;
  private static final int RATE_PER_SECOND = 100;
  private static final int KILL_AFTER = 1_000;
  private static final Duration WAIT = Duration.ofMinutes(10);

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aKilledTaskManagerLosesNoPrediction() throws Exception {
    // Fails today (docs/faults.md): run it on purpose with -Dfreshet.faults=true.
    Assume.assumeTrue(
        "the TaskManager-kill test runs with -Dfreshet.faults=true",
        Boolean.getBoolean("freshet.faults"));
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    Path registry = tmp.newFolder("registry").toPath();
    ModelRegistry models = ModelRegistry.at(registry.toString());
    models.promote(
        UntrainedModels.register(
            models,
            FeatureLayouts.of(spec),
            ModelConfig.builder().hiddenLayers(List.of(8)).seed(3).build()));
    List<String> events =
        new ArrayList<>(Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, EVENTS));
    events.sort(Comparator.comparing(e -> eventTime(e)));

    try (LocalCluster cluster =
        LocalCluster.start(
            LocalCluster.Settings.in(tmp.newFolder("cluster").toPath()), System.out)) {
      KafkaTopics.create(
          cluster.bootstrapServers(),
          2,
          List.of("events", "outcomes", "predictions", "dead-letters", "model-events"));
      List<String> serveArgs =
          new ArrayList<>(
              List.of(
                  "--runner=FlinkRunner",
                  "--flinkMaster=" + cluster.flinkMaster(),
                  "--filesToStage=" + String.join(",", ClusterClasspath.jobFiles()),
                  "--parallelism=1",
                  "--checkpointingInterval=2000",
                  "--bootstrapServers=" + cluster.bootstrapServers(),
                  "--startOffset=EARLIEST",
                  "--registry=" + registry.toAbsolutePath()));
      // More of serve's options, comma-separated:
      // -Dfreshet.faults.serveArgs=--experiments=beam_fn_api
      String more = System.getProperty("freshet.faults.serveArgs", "");
      if (!more.isBlank()) {
        serveArgs.addAll(List.of(more.split(",")));
      }
      System.out.println("serve " + String.join(" ", serveArgs));
      PipelineResult serving =
          ServeJob.start(ServeJob.parse(serveArgs.toArray(String[]::new)), System.out);
      Map<String, Integer> scored = new HashMap<>();
      Map<String, Long> sentAt = new ConcurrentHashMap<>();
      AtomicInteger sent = new AtomicInteger();
      long killedAt = -1;
      long recoveredAt = -1;
      ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
      try (TopicTail tail = TopicTail.of(cluster.bootstrapServers(), List.of("predictions"));
          KafkaProducer<String, String> producer =
              JsonRecords.producer(cluster.bootstrapServers())) {
        // serve is live: one payment comes back as a prediction before the replay starts.
        send(producer, events.get(0), sentAt);
        sent.set(1);
        assertThat(
                tail.pollUntil(
                    () -> !scored.isEmpty(),
                    WAIT,
                    r -> scored.merge(Prediction.parse(r.value()).eventId(), 1, Integer::sum)))
            .as("serve is live")
            .isTrue();
        pacer.scheduleAtFixedRate(
            () -> {
              int i = sent.get();
              if (i < events.size()) {
                send(producer, events.get(i), sentAt);
                sent.incrementAndGet();
              }
            },
            0,
            1_000_000 / RATE_PER_SECOND,
            TimeUnit.MICROSECONDS);
        tail.pollUntil(
            () -> sent.get() >= KILL_AFTER,
            WAIT,
            r -> scored.merge(Prediction.parse(r.value()).eventId(), 1, Integer::sum));
        int victim = busyTaskManager(cluster);
        killedAt = System.nanoTime();
        cluster.killTaskManager(victim);
        System.out.printf(
            "killed taskmanager-%d (SIGKILL) after %d payments sent%n", victim, sent.get());
        long kill = killedAt;
        long[] recovered = {-1};
        boolean complete =
            tail.pollUntil(
                () -> sent.get() >= events.size() && scored.size() >= events.size(),
                WAIT,
                r -> {
                  String id = Prediction.parse(r.value()).eventId();
                  scored.merge(id, 1, Integer::sum);
                  Long at = sentAt.get(id);
                  if (recovered[0] < 0 && at != null && at > kill) {
                    recovered[0] = System.nanoTime();
                  }
                });
        recoveredAt = recovered[0];
        // Late duplicates of what was already counted.
        tail.pollUntil(
            () -> false,
            Duration.ofSeconds(5),
            r -> scored.merge(Prediction.parse(r.value()).eventId(), 1, Integer::sum));
        report(events.size(), scored, killedAt, recoveredAt);
        assertThat(complete)
            .as("every payment predicted after the kill: %d of %d", scored.size(), events.size())
            .isTrue();
      } finally {
        pacer.shutdownNow();
        serving.cancel();
      }
      assertThat(scored.keySet())
          .containsExactlyInAnyOrderElementsOf(events.stream().map(e -> eventId(e)).toList());
      assertThat(recoveredAt).isGreaterThan(killedAt);
    }
  }

  private static void report(
      int events, Map<String, Integer> scored, long killedAt, long recoveredAt) {
    System.out.printf(
        "payments %d, predicted at least once %d, never %d, scored more than once %d (%d extra"
            + " predictions), recovery (kill -> first prediction of a payment sent after it) %s%n",
        events,
        scored.size(),
        events - scored.size(),
        scored.values().stream().filter(n -> n > 1).count(),
        scored.values().stream().mapToLong(n -> n - 1).sum(),
        recoveredAt < 0 ? "none seen" : String.format("%.1f s", (recoveredAt - killedAt) / 1e9));
    WRITTEN.entrySet().stream()
        .filter(w -> !scored.containsKey(w.getKey()))
        .sorted(Map.Entry.comparingByValue())
        .limit(20)
        .forEach(w -> System.out.printf("never predicted: %s (%s)%n", w.getKey(), w.getValue()));
  }

  /** The TaskManager whose slot serve occupies (its resource id is taskmanager-<i>). */
  private static int busyTaskManager(LocalCluster cluster) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    int[] busy = {-1};
    await("a TaskManager with serve's slot")
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> {
              JsonNode tms =
                  JsonRecords.read(
                      http.send(
                              HttpRequest.newBuilder(
                                      URI.create(cluster.restAddress() + "/taskmanagers"))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .body());
              for (JsonNode tm : tms.path("taskmanagers")) {
                if (tm.path("freeSlots").asInt() < tm.path("slotsNumber").asInt()) {
                  busy[0] = Integer.parseInt(tm.path("id").asText().replace("taskmanager-", ""));
                  return true;
                }
              }
              return false;
            });
    return busy[0];
  }

  /**
   * Sends one payment; where it landed ({@code partition@offset}), or why it was not written, goes
   * to {@link #WRITTEN}, so that a payment never predicted can be told from one never sent.
   */
  private static void send(
      KafkaProducer<String, String> producer, String e, Map<String, Long> sentAt) {
    String id = eventId(e);
    sentAt.put(id, System.nanoTime());
    producer.send(
        JsonRecords.keyedAndTimed("events", e, "event_time", "card_id"),
        (m, error) ->
            WRITTEN.put(
                id, error == null ? m.partition() + "@" + m.offset() : "not written: " + error));
  }

  private static final Map<String, String> WRITTEN = new ConcurrentHashMap<>();

  private static String eventId(String json) {
    return JsonRecords.text(json, "event_id");
  }

  private static Instant eventTime(String json) {
    return JsonRecords.time(json, "event_time");
  }
}
