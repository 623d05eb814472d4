package dev.freshet.pipelines.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.freshet.model.ModelConfig;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The local cluster as a user meets it: three brokers, a JobManager and two TaskManagers, each its
 * own JVM; serve submitted to the JobManager's REST address with checkpointing on (its code staged
 * as jars, loaded by Flink's user-code class loader) scores 300 payments of the committed sample
 * from Kafka: every valid payment gets its prediction, each malformed record its dead letter with
 * its reason; stopping the cluster leaves none of its processes alive.
 */
public class ClusterServeIT {
  private static final int EVENTS = 300;
  private static final List<String> TOPICS =
      List.of("events", "outcomes", "predictions", "dead-letters", "model-events");

  /** Generous: the machine this runs on may have two busy cores for six JVMs. */
  private static final Duration WAIT = Duration.ofMinutes(8);

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void serveOnTheClusterPredictsEveryEventAndDownLeavesNoProcess() throws Exception {
    Path dir = tmp.newFolder("cluster").toPath();
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    Path registry = tmp.newFolder("registry").toPath();
    ModelRegistry models = ModelRegistry.at(registry.toString());
    String version =
        UntrainedModels.register(
            models,
            FeatureLayouts.of(spec),
            ModelConfig.builder().hiddenLayers(List.of(8)).seed(3).build());
    models.promote(version);

    List<String> events =
        new ArrayList<>(Files.readAllLines(TestDataFiles.fraudSampleEvents()).subList(0, EVENTS));
    events.sort(Comparator.comparing(e -> eventTime(e)));
    Map<DeadLetterReason, String> malformed = MalformedRecords.of(spec.events(), events.get(0));

    LocalCluster cluster = LocalCluster.start(LocalCluster.Settings.in(dir), System.out);
    List<ClusterProcess> processes = cluster.processes();
    try {
      assertThat(processes)
          .extracting(ClusterProcess::name)
          .containsExactly(
              "broker-1", "broker-2", "broker-3", "jobmanager", "taskmanager-1", "taskmanager-2");
      assertThat(cluster.registeredTaskManagers()).isEqualTo(2);
      assertThat(cluster.reachableBrokers()).isEqualTo(3);
      // A second cluster in the same directory is refused while this one runs.
      assertThatThrownBy(() -> LocalCluster.start(LocalCluster.Settings.in(dir), System.out))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is running");

      KafkaTopics.create(cluster.bootstrapServers(), 2, TOPICS);
      produce(cluster.bootstrapServers(), events, malformed.values());

      List<String> serveArgs = new ArrayList<>(cluster.jobOptions());
      serveArgs.addAll(
          List.of(
              "--parallelism=1",
              "--checkpointingInterval=5000",
              "--startOffset=EARLIEST",
              "--registry=" + registry.toAbsolutePath()));
      PipelineResult serving =
          ServeJob.start(ServeJob.parse(serveArgs.toArray(String[]::new)), System.out);
      Map<String, List<Prediction>> predictions = new HashMap<>();
      Map<String, Integer> deadReasons = new HashMap<>();
      try (TopicTail tail =
          TopicTail.of(cluster.bootstrapServers(), List.of("predictions", "dead-letters"))) {
        boolean complete =
            tail.pollUntil(
                () ->
                    predictions.size() >= events.size()
                        && deadReasons.values().stream().mapToInt(Integer::intValue).sum()
                            >= malformed.size(),
                WAIT,
                r -> collect(r.topic(), r.value(), predictions, deadReasons));
        assertThat(complete)
            .as(
                "all predictions (%d of %d) and dead letters (%s) arrived; logs in %s",
                predictions.size(), events.size(), deadReasons, dir.resolve("logs"))
            .isTrue();
        // The job ran on the cluster, not in this JVM.
        assertThat(cluster.jobs()).anyMatch(j -> j.endsWith(": RUNNING"));
      } finally {
        serving.cancel();
      }

      assertThat(predictions.keySet())
          .containsExactlyInAnyOrderElementsOf(events.stream().map(e -> eventId(e)).toList());
      for (List<Prediction> list : predictions.values()) {
        assertThat(list.get(0).modelVersion()).isEqualTo(version);
        assertThat(list.get(0).score()).isBetween(0f, 1f);
      }
      Map<String, Integer> expected = new HashMap<>();
      malformed.keySet().forEach(r -> expected.put(r.name(), 1));
      assertThat(deadReasons).isEqualTo(expected);
    } finally {
      cluster.close();
    }
    for (ClusterProcess p : processes) {
      await("process " + p.name() + " (pid " + p.pid() + ") gone")
          .atMost(Duration.ofMinutes(1))
          .until(() -> ProcessHandle.of(p.pid()).map(h -> !h.isAlive()).orElse(true));
    }
  }

  private static void produce(String bootstrap, List<String> events, Iterable<String> malformed) {
    try (KafkaProducer<String, String> producer = JsonRecords.producer(bootstrap)) {
      for (String e : events) {
        producer.send(JsonRecords.keyedAndTimed("events", e, "event_time", "card_id"));
      }
      for (String bad : malformed) {
        producer.send(new ProducerRecord<>("events", "bad", bad));
      }
    }
  }

  private static void collect(
      String topic,
      String value,
      Map<String, List<Prediction>> predictions,
      Map<String, Integer> deadReasons) {
    if (topic.equals("predictions")) {
      Prediction p = Prediction.parse(value);
      predictions.computeIfAbsent(p.eventId(), k -> new ArrayList<>()).add(p);
    } else {
      deadReasons.merge(JsonRecords.text(value, "reason"), 1, Integer::sum);
    }
  }

  private static String eventId(String json) {
    return JsonRecords.text(json, "event_id");
  }

  private static Instant eventTime(String json) {
    return JsonRecords.time(json, "event_time");
  }
}
