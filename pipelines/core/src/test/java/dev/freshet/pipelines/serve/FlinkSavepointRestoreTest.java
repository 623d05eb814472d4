package dev.freshet.pipelines.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.io.LabeledSources;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.testdata.TestDataFiles;
import dev.freshet.transforms.features.EntityKey;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import dev.freshet.transforms.labels.JoinLabels;
import dev.freshet.transforms.testing.Collect;
import dev.freshet.transforms.testing.Runners;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.beam.runners.flink.FlinkDetachedRunnerResult;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.values.Row;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Serving on embedded Flink keeps its feature state across a stop-with-savepoint and a restore: a
 * restored job continues the windows instead of starting empty.
 *
 * <p>The job serves batch A of the fraud sample, is stopped with a savepoint, and is restored from
 * it while batch B is waiting on the topic. B's predictions must carry the vectors of an
 * uninterrupted history (the bounded training path over A+B), every event must be scored exactly
 * once (the Kafka offsets come back with the state), and a job that serves B with fresh state must
 * give other vectors (the bounded path over B alone), so the comparison proves that the restored
 * state mattered.
 *
 * <p>Two Beam 2.62 limitations shape how the job is run (both explained where they are handled):
 * {@code --savepointPath} is ignored with {@code --flinkMaster=[local]}, so the savepoint is also
 * given as Flink configuration ({@link #restoreFrom}); and a restored job reads its Kafka
 * partitions twice unless KafkaIO is expanded as a splittable DoFn, which serve's launcher asks for
 * on Flink with checkpoints (Launcher#withExactRestores): this test checks it does.
 *
 * <p>All topics have one partition and events are produced in event-time order, so the arrival
 * order of every entity (the global key included) is event-time order: the condition under which
 * streaming and bounded vectors are bit-identical (see DomainParityTest). No outcomes are produced:
 * the sample's first chargeback comes after B, so labels could not change these vectors.
 */
public class FlinkSavepointRestoreTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final int BATCH = 200;

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static List<String> sampleEvents;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start();
    spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    sampleEvents = Files.readAllLines(TestDataFiles.fraudSampleEvents());
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  /** One serving job's topics (one partition each) and consumer group. */
  private record Topics(
      String prefix,
      String events,
      String outcomes,
      String predictions,
      String dead,
      String models) {
    static Topics fresh(String prefix) {
      Topics t =
          new Topics(
              prefix,
              prefix + "-events",
              prefix + "-outcomes",
              prefix + "-predictions",
              prefix + "-dead",
              prefix + "-models");
      KafkaTopics.create(
          kafka.bootstrapServers(),
          1,
          List.of(t.events, t.outcomes, t.predictions, t.dead, t.models));
      return t;
    }

    String[] args(String registry, String... more) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--runner=FlinkRunner",
                  "--flinkMaster=[local]",
                  "--parallelism=1",
                  // With checkpoints, serve reads Kafka as a splittable DoFn (see above).
                  "--checkpointingInterval=1000",
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--eventsTopic=" + events,
                  "--outcomesTopic=" + outcomes,
                  "--predictionsTopic=" + predictions,
                  "--deadLettersTopic=" + dead,
                  "--modelEventsTopic=" + models,
                  "--consumerGroup=" + prefix,
                  "--startOffset=EARLIEST",
                  "--registry=" + registry));
      args.addAll(Arrays.asList(more));
      return args.toArray(new String[0]);
    }
  }

  @Test
  public void aRestoredJobContinuesTheWindowsInsteadOfStartingEmpty() throws Exception {
    List<String> a = sampleEvents.subList(0, BATCH);
    List<String> b = sampleEvents.subList(BATCH, 2 * BATCH);
    List<String> aAndB = sampleEvents.subList(0, 2 * BATCH);
    String registry = tmp.newFolder("registry").toString();
    ModelRegistry models = ModelRegistry.at(registry);
    models.promote(TestModels.register(models, spec, 1));

    // The references: the bounded (training) path over A+B, and over B alone (fresh state).
    Map<String, float[]> uninterrupted = boundedVectors(aAndB, "restore-reference-ab");
    Map<String, float[]> bAlone = boundedVectors(b, "restore-reference-b");

    Topics topics = Topics.fresh("restore");
    Map<String, List<Prediction>> predictions = new HashMap<>();
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions))) {
      // 1. Serve A, then stop with a savepoint.
      produce(topics.events, a);
      PipelineResult first = ServeJob.start(ServeJob.parse(topics.args(registry)), QUIET);
      String savepoint;
      try {
        assertThat(
                tail.pollUntil(
                    () -> predictions.size() >= a.size(), WAIT, r -> collect(r, predictions)))
            .as("A's predictions arrived")
            .isTrue();
        savepoint = stopWithSavepoint(first, tmp.newFolder("savepoints").toPath());
      } catch (Throwable t) {
        first.cancel();
        throw t;
      }

      // 2. B arrives while the job is down; restore from the savepoint.
      produce(topics.events, b);
      PipelineResult restored =
          ServeJob.start(
              ServeJob.parse(topics.args(registry, restoreFrom(savepoint, null))), QUIET);
      try {
        assertThat(
                tail.pollUntil(
                    () -> predictions.size() >= aAndB.size(), WAIT, r -> collect(r, predictions)))
            .as("B's predictions arrived after the restore")
            .isTrue();
        // A little longer, to catch duplicates that arrive after the count was reached.
        tail.pollUntil(() -> false, Duration.ofSeconds(2), r -> collect(r, predictions));
      } finally {
        restored.cancel();
      }
    }

    // 3. The same B served by a job with fresh state (no savepoint; B on topics of its own).
    Topics control = Topics.fresh("fresh");
    Map<String, List<Prediction>> fresh = new HashMap<>();
    produce(control.events, b);
    PipelineResult freshJob = ServeJob.start(ServeJob.parse(control.args(registry)), QUIET);
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(control.predictions))) {
      assertThat(tail.pollUntil(() -> fresh.size() >= b.size(), WAIT, r -> collect(r, fresh)))
          .as("the fresh job's predictions arrived")
          .isTrue();
    } finally {
      freshJob.cancel();
    }

    // Exactly one prediction per event of A and B: the Kafka offsets came back with the state.
    assertThat(predictions.keySet()).containsExactlyInAnyOrderElementsOf(ids(aAndB));
    assertThat(scoredMoreThanOnce(predictions)).as("events scored more than once").isEmpty();
    // Before the stop and after the restore: the vectors of the uninterrupted history.
    Set<String> idsOfA = Set.copyOf(ids(a));
    for (String id : ids(aAndB)) {
      assertThat(predictions.get(id).get(0).features())
          .as("vector of %s (%s)", id, idsOfA.contains(id) ? "A" : "B, after the restore")
          .containsExactly(uninterrupted.get(id));
    }

    // Fresh state gives the vectors of B alone, and they differ: the restored state mattered, in
    // the stage of every entity key.
    assertThat(fresh.keySet()).containsExactlyInAnyOrderElementsOf(ids(b));
    assertThat(scoredMoreThanOnce(fresh)).as("events scored more than once").isEmpty();
    int changed = 0;
    Set<String> keysThatMattered = new TreeSet<>();
    for (String id : ids(b)) {
      float[] withoutHistory = fresh.get(id).get(0).features();
      float[] withHistory = uninterrupted.get(id);
      assertThat(withoutHistory).as("fresh vector of %s", id).containsExactly(bAlone.get(id));
      if (!Arrays.equals(withoutHistory, withHistory)) {
        changed++;
      }
      for (int i = 0; i < spec.size(); i++) {
        if (withoutHistory[i] != withHistory[i]) {
          keysThatMattered.add(spec.features().get(i).key());
        }
      }
    }
    System.out.printf(
        "restore: %d of %d vectors of B depend on A's state (keys %s)%n",
        changed, b.size(), keysThatMattered);
    assertThat(changed).as("vectors of B that differ with fresh state").isGreaterThan(10);
    assertThat(keysThatMattered)
        .as("entity keys whose restored state changed vectors of B")
        .containsExactlyInAnyOrderElementsOf(spec.keys().stream().map(EntityKey::name).toList());
  }

  /**
   * With {@code --deliveryGuarantee=EXACTLY_ONCE}, a job cancelled mid-stream and restored from its
   * last retained checkpoint (as Flink restores a job after a crash) writes every prediction and
   * dead letter once. Cancelled right after B's first predictions became visible (written when the
   * checkpoint holding them completed; the next one is seconds away), the job has written records
   * that its restored state has not seen written: the restored sink must find them in its metadata
   * and skip them, where an at-least-once sink writes them again. Then a new start on the same
   * consumer group (no savepoint) must write C: an earlier run's metadata names other epochs. (A
   * new start is not a restore: it reads from the group's committed offsets, which Beam's Kafka
   * reader commits per 5-minute event-time window, so here from the beginning, and writes A and B
   * again.)
   */
  @Test
  public void exactlyOnceWritesEachPredictionOnceAcrossARestoreFromTheLastCheckpoint()
      throws Exception {
    System.setProperty(
        "org.slf4j.simpleLogger.log.org.apache.beam.sdk.io.kafka.KafkaExactlyOnceSink", "info");
    System.setProperty(
        "org.slf4j.simpleLogger.log.org.apache.flink.runtime.taskmanager.Task", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.producer", "warn");
    List<String> a = sampleEvents.subList(0, BATCH);
    List<String> b = sampleEvents.subList(BATCH, 2 * BATCH);
    List<String> c = sampleEvents.subList(2 * BATCH, 2 * BATCH + BATCH / 4);
    List<String> malformed = List.copyOf(MalformedRecords.of(spec.events(), a.get(0)).values());
    String registry = tmp.newFolder("registry").toString();
    ModelRegistry models = ModelRegistry.at(registry);
    models.promote(TestModels.register(models, spec, 1));
    Path checkpoints = tmp.newFolder("checkpoints").toPath();
    Topics topics = Topics.fresh("eos");
    // Checkpoints every 3 s: the cancel below comes well before the next one completes.
    String[] eos =
        Arrays.stream(
                topics.args(
                    registry,
                    "--deliveryGuarantee=EXACTLY_ONCE",
                    "--retainExternalizedCheckpointsOnCancellation=true"))
            .map(o -> o.startsWith("--checkpointingInterval=") ? "--checkpointingInterval=3000" : o)
            .toArray(String[]::new);

    Map<String, List<Prediction>> predictions = new HashMap<>();
    List<String> deadLetters = new ArrayList<>();
    Consumer<ConsumerRecord<String, String>> sink =
        r -> {
          if (r.topic().equals(topics.dead)) {
            deadLetters.add(r.value());
          } else {
            collect(r, predictions);
          }
        };
    try (TopicTail tail =
        TopicTail.of(kafka.bootstrapServers(), List.of(topics.predictions, topics.dead))) {
      // 1. Serve A and the malformed records; then B, and cancel once B's first predictions are
      // visible (a checkpoint holding some of B completed; the next one has not, or has just).
      produce(topics.events, a);
      try (KafkaProducer<String, String> producer =
          JsonRecords.producer(kafka.bootstrapServers())) {
        malformed.forEach(m -> producer.send(new ProducerRecord<>(topics.events, "bad", m)));
      }
      PipelineResult first =
          ServeJob.start(ServeJob.parse(with(eos, flinkConf(checkpoints, null))), QUIET);
      try {
        assertThat(
                tail.pollUntil(
                    () -> predictions.size() >= a.size() && deadLetters.size() >= malformed.size(),
                    WAIT,
                    sink))
            .as("A's predictions and the dead letters arrived")
            .isTrue();
        produce(topics.events, b);
        assertThat(tail.pollUntil(() -> predictions.size() > a.size(), WAIT, sink))
            .as("B's first predictions arrived")
            .isTrue();
      } finally {
        cancel(first);
      }
      int beforeCancel = predictions.size() - a.size();

      // 2. Restore from the last retained checkpoint.
      Path checkpoint = latestCheckpoint(checkpoints);
      PipelineResult restored =
          ServeJob.start(
              ServeJob.parse(with(eos, restoreFrom(checkpoint.toString(), checkpoints))), QUIET);
      try {
        assertThat(tail.pollUntil(() -> predictions.size() >= a.size() + b.size(), WAIT, sink))
            .as("B's predictions arrived after the restore")
            .isTrue();
        // The restored records reach the sinks when the restored job completes a checkpoint:
        // until then, and a little longer, to catch duplicates.
        Path restoredJob = checkpoint.getParent();
        assertThat(
                tail.pollUntil(
                    () -> completedCheckpointsBesides(checkpoints, restoredJob) > 0, WAIT, sink))
            .as("the restored job completed a checkpoint")
            .isTrue();
        tail.pollUntil(() -> false, Duration.ofSeconds(3), sink);
      } finally {
        cancel(restored);
      }
      System.out.printf(
          "exactly once: %d of B's predictions read before the cancel, restored from %s%n",
          beforeCancel, checkpoint.getParent().getFileName() + "/" + checkpoint.getFileName());
      assertThat(predictions.keySet())
          .containsExactlyInAnyOrderElementsOf(ids(sampleEvents.subList(0, 2 * BATCH)));
      assertThat(scoredMoreThanOnce(predictions)).as("predictions written twice").isEmpty();
      assertThat(deadLetters).as("dead letters, each once").hasSize(malformed.size());

      // 3. A new start on the same topics and consumer group: accepted, C predicted.
      produce(topics.events, c);
      PipelineResult again =
          ServeJob.start(ServeJob.parse(with(eos, flinkConf(checkpoints, null))), QUIET);
      try {
        assertThat(tail.pollUntil(() -> predictions.keySet().containsAll(ids(c)), WAIT, sink))
            .as("C's predictions arrived after a new start with the same consumer group")
            .isTrue();
      } finally {
        again.cancel();
      }
    }
  }

  private static String[] with(String[]... parts) {
    return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
  }

  /**
   * A Flink configuration directory ({@code --flinkConfDir}) with these lines: retained checkpoints
   * in {@code checkpoints} when given, and the state to start from when {@code savepoint} is given
   * (see {@link #restoreFrom}).
   */
  private String[] flinkConf(Path checkpoints, String savepoint) throws IOException {
    Path conf = tmp.newFolder().toPath();
    String yaml = "";
    if (checkpoints != null) {
      yaml +=
          "state.checkpoints.dir: \""
              + checkpoints.toUri()
              + "\"\nexecution.checkpointing.externalized-checkpoint-retention:"
              + " RETAIN_ON_CANCELLATION\n";
    }
    if (savepoint != null) {
      yaml += "execution.savepoint.path: \"" + savepoint + "\"\n";
    }
    Files.writeString(conf.resolve("config.yaml"), yaml);
    return new String[] {"--flinkConfDir=" + conf};
  }

  /** Completed checkpoints under {@code dir} of jobs other than {@code job} (a directory in it). */
  private static long completedCheckpointsBesides(Path dir, Path job) {
    try (var found = Files.walk(dir, 3)) {
      return found
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .filter(p -> !p.getParent().getParent().equals(job))
          .count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The newest completed checkpoint under {@code dir} ({@code <job>/chk-N} with metadata). */
  private static Path latestCheckpoint(Path dir) throws IOException {
    try (var found = Files.walk(dir, 3)) {
      return found
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .max(
              java.util.Comparator.comparingLong(
                  p -> Long.parseLong(p.getFileName().toString().substring("chk-".length()))))
          .orElseThrow(() -> new AssertionError("no completed checkpoint under " + dir));
    }
  }

  private static Map<String, Integer> scoredMoreThanOnce(Map<String, List<Prediction>> byId) {
    Map<String, Integer> more = new TreeMap<>();
    byId.forEach(
        (id, list) -> {
          if (list.size() > 1) {
            more.put(id, list.size());
          }
        });
    return more;
  }

  /**
   * Stops the job with a canonical savepoint in {@code dir} and returns its location (Beam's {@link
   * PipelineResult} has no savepoint operation).
   */
  private static String stopWithSavepoint(PipelineResult result, Path dir) throws Exception {
    JobClient client = jobClient(result);
    String location =
        client
            .stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    client.getJobExecutionResult().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return location;
  }

  /**
   * Cancels the job and waits until it has ended, so that its retained checkpoints are final
   * ({@link PipelineResult#cancel} returns before the job has stopped).
   */
  private static void cancel(PipelineResult result) throws Exception {
    JobClient client = jobClient(result);
    client.cancel().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    // Completes (exceptionally: cancelled) when the job has ended.
    client.getJobExecutionResult().handle((r, e) -> r).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /**
   * The Flink {@link JobClient} of a job started in detached mode: {@link
   * FlinkDetachedRunnerResult} keeps it in a private field without a getter, so this reads the
   * field. If a Beam upgrade renames it, this fails here, saying so.
   */
  private static JobClient jobClient(PipelineResult result) {
    assertThat(result).isInstanceOf(FlinkDetachedRunnerResult.class);
    try {
      Field field = FlinkDetachedRunnerResult.class.getDeclaredField("jobClient");
      field.setAccessible(true);
      return (JobClient) field.get(result);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(
          "FlinkDetachedRunnerResult no longer has the field jobClient; update this accessor", e);
    }
  }

  /**
   * The options that restore a job from {@code savepoint} on the embedded cluster. Beam 2.62
   * applies {@code --savepointPath} only when {@code --flinkMaster} is a remote JobManager
   * (FlinkExecutionEnvironments builds a RemoteStreamEnvironment with it); with {@code [local]} the
   * option is silently ignored and the job starts empty. Flink itself reads {@code
   * execution.savepoint.path} from the configuration of any environment, the local one included, so
   * the savepoint is also given that way, in a Flink configuration directory ({@code
   * --flinkConfDir}); with {@code checkpoints}, the restored job retains its checkpoints there.
   */
  private String[] restoreFrom(String savepoint, Path checkpoints) throws IOException {
    return with(new String[] {"--savepointPath=" + savepoint}, flinkConf(checkpoints, savepoint));
  }

  /** Vectors by event id from the bounded path (JSON files, direct runner) over {@code events}. */
  private Map<String, float[]> boundedVectors(List<String> events, String sink) throws IOException {
    Path dir = tmp.newFolder(sink).toPath();
    Path eventsFile = Files.write(dir.resolve("events.jsonl"), events);
    Path outcomesFile = Files.write(dir.resolve("outcomes.jsonl"), List.<String>of());
    Pipeline p = Pipeline.create(Runners.options(Runners.DIRECT));
    LabeledSources sources =
        Domain.FRAUD.read(p, spec, eventsFile.toString(), outcomesFile.toString());
    JoinLabels.Result<Row> labels =
        sources.events().rows().apply("Labels", JoinLabels.events(spec, sources.outcomes().rows()));
    Collect.into(
        sources
            .events()
            .rows()
            .apply("Features", ExtractFeatures.of(spec).withLabels(labels.labeled())),
        sink);
    p.run().waitUntilFinish();
    Map<String, float[]> vectors = Collect.byId(sink);
    assertThat(vectors).hasSize(events.size());
    return vectors;
  }

  private static void collect(
      ConsumerRecord<String, String> r, Map<String, List<Prediction>> predictions) {
    Prediction p = Prediction.parse(r.value());
    predictions.computeIfAbsent(p.eventId(), k -> new ArrayList<>()).add(p);
  }

  /** Produces {@code events} keyed by card, record time = event time, in order. */
  private static void produce(String topic, List<String> events) {
    JsonRecords.produce(kafka.bootstrapServers(), topic, events, "event_time", "card_id");
  }

  private static List<String> ids(List<String> events) {
    return events.stream().map(e -> JsonRecords.text(e, "event_id")).toList();
  }
}
