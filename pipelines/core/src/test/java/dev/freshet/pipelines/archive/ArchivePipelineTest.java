package dev.freshet.pipelines.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.examples.Example;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.MalformedRecords;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.io.AvroJson;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.testdata.LocalParquetFiles;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The archive against a real in-process broker: a generated fraud stream (payments, chargebacks,
 * predictions) and malformed records go in; out come Parquet files per stream, date and hour, each
 * valid record exactly once and each malformed one a dead letter with its reason; and {@code train}
 * on the archived files sees the same training set, vector for vector, as on the original JSON
 * lines, and registers a model. The same files are written on embedded Flink.
 *
 * <p>Time moves as in a live stream: after the data, each partition receives one more record two
 * hours later, so the watermark passes every hour of the data; that last hour stays open (and
 * unwritten) until something newer arrives, which the test checks too.
 */
public class ArchivePipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final Duration WAIT = Duration.ofSeconds(300);
  private static final int PARTITIONS = 2;
  private static final int SHARDS = 2;
  private static final Pattern FILE =
      Pattern.compile(
          "(payments|chargebacks|predictions)/date=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/part-[^/]+\\.parquet");

  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  private static EmbeddedKafka kafka;
  private static FeatureSpec spec;
  private static Path data;
  private static List<String> events;
  private static List<String> outcomes;
  private static List<Prediction> predictions;
  private static final String EVENTS = "events";
  private static final String OUTCOMES = "outcomes";
  private static final String PREDICTIONS = "predictions";

  /** Dead letters expected per source and reason. */
  private static final Map<String, Integer> EXPECTED_DEAD = new TreeMap<>();

  @BeforeClass
  public static void produceTheStream() throws Exception {
    kafka = EmbeddedKafka.start();
    data = TMP.newFolder("fraud").toPath();
    // About 2.5 hours of payments; chargebacks follow over the next two days.
    GenerateFraud.write(
        FraudGenerator.builder().seed(3).events(1000).eventsPerSecond(0.12).build(),
        data,
        GenerateFraud.Format.jsonl,
        QUIET);
    spec =
        dev.freshet.transforms.features.FeatureSpecs.load(
            dev.freshet.pipelines.Domain.FRAUD.defaultSpec());
    events = Files.readAllLines(data.resolve("events.jsonl"));
    outcomes = Files.readAllLines(data.resolve("outcomes.jsonl"));
    Random random = new Random(1);
    predictions = new ArrayList<>();
    for (String e : events.subList(0, 200)) {
      JsonNode n = JSON.readTree(e);
      float[] features = new float[spec.size()];
      for (int i = 0; i < features.length; i++) {
        features[i] = random.nextFloat() * 10;
      }
      float score = random.nextFloat();
      predictions.add(
          new Prediction(
              n.get("event_id").asText(),
              time(n, "event_time"),
              score,
              score >= 0.5f,
              "v1",
              "production",
              spec.fingerprint().substring(0, 16),
              features,
              System.currentTimeMillis(),
              Map.of("v1", score, "v2", score / 2)));
    }

    KafkaTopics.create(
        kafka.bootstrapServers(), PARTITIONS, List.of(EVENTS, OUTCOMES, PREDICTIONS));
    long firstEvent = time(JSON.readTree(events.get(0)), "event_time");
    try (KafkaProducer<String, String> producer = producer()) {
      for (String e : events) {
        JsonNode n = JSON.readTree(e);
        producer.send(
            new ProducerRecord<>(
                EVENTS, null, time(n, "event_time"), n.get("card_id").asText(), e));
      }
      for (String o : outcomes) {
        JsonNode n = JSON.readTree(o);
        producer.send(
            new ProducerRecord<>(
                OUTCOMES, null, time(n, "outcome_time"), n.get("event_id").asText(), o));
      }
      for (Prediction p : predictions) {
        producer.send(
            new ProducerRecord<>(PREDICTIONS, null, p.eventTimeMillis(), p.eventId(), p.toJson()));
      }
      // Malformed records, stamped inside the stream's time (the watermark never jumps ahead).
      sendMalformed(producer, EVENTS, spec.events(), events.get(0), firstEvent);
      sendMalformed(producer, OUTCOMES, spec.outcomes(), outcomes.get(0), firstEvent);
      producer.send(
          new ProducerRecord<>(PREDICTIONS, null, firstEvent, "bad", "{\"event_id\":\"bad-json"));
      EXPECTED_DEAD.merge("predictions " + DeadLetterReason.MALFORMED_JSON, 1, Integer::sum);

      // Time moves on: a record two hours after the last on every partition of every topic.
      sendTrailers(producer, EVENTS, lastTime(events, "event_time"), "event_time");
      sendTrailers(producer, OUTCOMES, lastTime(outcomes, "outcome_time"), "outcome_time");
      long lastPrediction =
          predictions.stream().mapToLong(Prediction::eventTimeMillis).max().orElseThrow();
      for (int partition = 0; partition < PARTITIONS; partition++) {
        long t = lastPrediction + Duration.ofHours(2).toMillis();
        Prediction trailer =
            new Prediction(
                "trailer-" + partition, t, 0.1f, false, "v1", "production", "s", new float[1], t);
        producer.send(
            new ProducerRecord<>(PREDICTIONS, partition, t, trailer.eventId(), trailer.toJson()));
      }
    }
  }

  @AfterClass
  public static void stopKafka() {
    kafka.close();
  }

  /**
   * The whole round trip on the direct runner: layout, exactly once, dead letters, and train on the
   * archived files giving the same training set as on the original JSON lines.
   */
  @Test
  public void archivesEveryRecordOnceByHourAndTrainReadsTheFiles() throws Exception {
    Path archive = TMP.newFolder("archive-direct").toPath();
    long start = System.nanoTime();
    Map<String, Integer> dead = runUntilArchived("DirectRunner", archive, "archive-direct");
    System.out.printf("direct runner: archived in %.1f s%n", (System.nanoTime() - start) / 1e9);

    assertThat(dead).as("dead letters by source and reason").isEqualTo(EXPECTED_DEAD);
    Archived archived = Archived.read(archive);
    checkLayoutAndContents(archived);

    // train on the archived files (the code path of freshet train, glob patterns over the
    // partition directories) against train on the original JSON lines: the same examples, and so
    // the same model, bit for bit (one PyTorch thread, same seed), with the same holdout metrics.
    List<Example> fromJsonl =
        examples(
            data.resolve("events.jsonl").toString(), data.resolve("outcomes.jsonl").toString());
    long positives = fromJsonl.stream().filter(e -> e.label() > 0.5f).count();
    assertThat(positives).as("the stream has fraud to learn").isGreaterThan(10);
    TrainAndRegister.Outcome onJsonl =
        TrainAndRegister.fit(
            trainOptions(
                "--registry=" + TMP.newFolder("registry-jsonl"),
                "--events=" + data.resolve("events.jsonl"),
                "--outcomes=" + data.resolve("outcomes.jsonl")),
            spec,
            new ArrayList<>(fromJsonl),
            QUIET);

    Path registry = TMP.newFolder("registry").toPath();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrainAndRegister.Outcome onArchive =
        TrainJob.train(
            trainOptions(
                "--registry=" + registry,
                "--events=" + archive + "/payments/**/*.parquet",
                "--outcomes=" + archive + "/chargebacks/**/*.parquet"),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    System.out.printf("trained on the archive, %.1f s in all%n", (System.nanoTime() - start) / 1e9);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            String.format("%,d labelled examples (%,d positive)", fromJsonl.size(), positives));
    assertThat(onArchive.holdout()).isEqualTo(onJsonl.holdout());
    assertThat(ModelRegistry.at(registry.toString()).production())
        .as("train on the archive registered and promoted a model")
        .contains(onArchive.versionId());
  }

  private static TrainOptions trainOptions(String... args) {
    PipelineOptionsFactory.register(TrainOptions.class);
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--epochs=2");
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0]))
        .withValidation()
        .as(TrainOptions.class);
  }

  /** The same pipeline on the embedded Flink mini-cluster writes the same records per hour. */
  @Test
  public void flinkArchivesTheSameRecordsByHour() throws Exception {
    Path archive = TMP.newFolder("archive-flink").toPath();
    long start = System.nanoTime();
    Map<String, Integer> dead = runUntilArchived("FlinkRunner", archive, "archive-flink");
    System.out.printf("Flink: archived in %.1f s%n", (System.nanoTime() - start) / 1e9);
    assertThat(dead).isEqualTo(EXPECTED_DEAD);
    checkLayoutAndContents(Archived.read(archive));
  }

  @Test
  public void badOptionsAreNamed() {
    String[] base = {"--bootstrapServers=" + kafka.bootstrapServers()};
    assertThatThrownBy(() -> ArchiveJob.start(ArchiveJob.parse(base), QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--archiveDir");
    for (String bad :
        List.of(
            "--numShards=0",
            "--earlyFiringMinutes=-1",
            "--allowedLatenessMinutes=-5",
            "--lateFiringMinutes=0")) {
      String[] args = {base[0], "--archiveDir=" + TMP.getRoot(), bad};
      assertThatThrownBy(() -> ArchiveJob.start(ArchiveJob.parse(args), QUIET))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad.substring(0, bad.indexOf('=')));
    }
    assertThatThrownBy(
            () ->
                ArchiveJob.start(
                    ArchiveJob.parse(
                        base[0], "--archiveDir=" + TMP.getRoot(), "--eventsTopic=no-such-topic"),
                    QUIET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such-topic");
  }

  @Test
  public void helpListsTheOptions() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ArchiveJob.run(new String[] {"--help"}, new PrintStream(out, true))).isZero();
    assertThat(out.toString())
        .contains("--archiveDir", "--numShards", "--earlyFiringMinutes", "--lateFiringMinutes");
  }

  /** Runs archive until every expected record is on disk and every dead letter arrived. */
  private static Map<String, Integer> runUntilArchived(String runner, Path archive, String group)
      throws Exception {
    String dead = group + "-dead-letters"; // each run's own, read from the start
    KafkaTopics.create(kafka.bootstrapServers(), 1, List.of(dead));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=" + runner,
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--archiveDir=" + archive,
                "--numShards=" + SHARDS,
                "--startOffset=EARLIEST",
                "--consumerGroup=" + group,
                "--deadLettersTopic=" + dead));
    if (runner.equals("FlinkRunner")) {
      args.add("--flinkMaster=[local]");
      args.add("--parallelism=2");
    }
    PipelineResult result = ArchiveJob.start(ArchiveJob.parse(args.toArray(new String[0])), QUIET);
    Map<String, Integer> reasons = new TreeMap<>();
    Map<String, Long> expected =
        Map.of(
            "payments", (long) events.size(),
            "chargebacks", (long) outcomes.size(),
            "predictions", (long) predictions.size());
    try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(dead))) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      Map<String, Long> onDisk = Map.of();
      while (!atLeast(onDisk = recordsOnDisk(archive), expected)
          || reasons.values().stream().mapToInt(Integer::intValue).sum()
              < EXPECTED_DEAD.values().stream().mapToInt(Integer::intValue).sum()) {
        assertThat(System.nanoTime())
            .as("%s: archived %s of %s, dead letters %s", runner, onDisk, expected, reasons)
            .isLessThan(deadline);
        assertThat(result.getState().isTerminal()).as("%s job still running", runner).isFalse();
        tail.pollUntil(() -> false, Duration.ofSeconds(1), r -> collectDead(r.value(), reasons));
      }
      // A little longer, to catch duplicates written after the counts were reached.
      tail.pollUntil(() -> false, Duration.ofSeconds(3), r -> collectDead(r.value(), reasons));
    } finally {
      result.cancel();
    }
    return reasons;
  }

  /**
   * Records per stream in the complete files so far, from the Parquet footers only (cheap while the
   * job runs); temporary files come and go while it looks.
   */
  private static Map<String, Long> recordsOnDisk(Path archive) throws IOException {
    Map<String, Long> counts = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(archive)) {
      for (Path f : walk.filter(f -> f.toString().endsWith(ArchiveLayout.SUFFIX)).toList()) {
        try (ParquetFileReader reader = ParquetFileReader.open(LocalParquetFiles.input(f))) {
          counts.merge(
              archive.relativize(f).getName(0).toString(), reader.getRecordCount(), Long::sum);
        }
      }
    } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
      return Map.of();
    }
    return counts;
  }

  private static boolean atLeast(Map<String, Long> counts, Map<String, Long> expected) {
    return expected.entrySet().stream()
        .allMatch(e -> counts.getOrDefault(e.getKey(), 0L) >= e.getValue());
  }

  private static void collectDead(String json, Map<String, Integer> dead) {
    try {
      JsonNode n = JSON.readTree(json);
      dead.merge(n.get("source").asText() + " " + n.get("reason").asText(), 1, Integer::sum);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void checkLayoutAndContents(Archived archived) throws IOException {
    // Layout: <stream>/date=/hour=/part-*.parquet; every record in the hour of its own event time;
    // at most --numShards files an hour (the watermark closed each hour once; no late data here).
    Map<String, Integer> filesPerHour = new HashMap<>();
    for (ArchivedFile f : archived.files()) {
      filesPerHour.merge(f.stream() + "/" + f.date() + "/" + f.hour(), 1, Integer::sum);
      for (GenericRecord r : f.records()) {
        String timeField = timeField(f.stream());
        Instant t = Instant.ofEpochMilli((Long) r.get(timeField));
        assertThat(ArchiveLayout.partition(t.toEpochMilli()))
            .as("partition of %s", r.get(timeField))
            .isEqualTo("date=" + f.date() + "/hour=" + f.hour());
      }
    }
    assertThat(filesPerHour.values()).allSatisfy(n -> assertThat(n).isBetween(1, SHARDS));
    assertThat(filesPerHour.keySet())
        .as("one directory per stream and hour of the data")
        .containsExactlyInAnyOrderElementsOf(expectedHours());

    assertThat(archived.files())
        .flatExtracting(ArchivedFile::records)
        .extracting(r -> r.get("event_id").toString())
        .as("the hour after the data is still open: its records are not written")
        .noneMatch(id -> id.startsWith("trailer-"));

    // Exactly once, field for field: each archived record parses (with the spec's own parser, as
    // train reads it) to the same row as the original JSON line.
    assertThat(rows(archived, "payments", spec.events()))
        .containsExactlyInAnyOrderElementsOf(rows(events, spec.events()));
    assertThat(rows(archived, "chargebacks", spec.outcomes()))
        .containsExactlyInAnyOrderElementsOf(rows(outcomes, spec.outcomes()));

    List<Prediction> archivedPredictions = new ArrayList<>();
    for (ArchivedFile f : archived.of("predictions")) {
      for (GenericRecord r : f.records()) {
        archivedPredictions.add(prediction(r));
      }
    }
    assertThat(archivedPredictions)
        .usingRecursiveFieldByFieldElementComparator()
        .containsExactlyInAnyOrderElementsOf(predictions);
  }

  private static List<String> expectedHours() throws IOException {
    List<String> hours = new ArrayList<>();
    for (String e : events) {
      hours.add("payments/" + ArchiveLayout.partition(time(JSON.readTree(e), "event_time")));
    }
    for (String o : outcomes) {
      hours.add("chargebacks/" + ArchiveLayout.partition(time(JSON.readTree(o), "outcome_time")));
    }
    for (Prediction p : predictions) {
      hours.add("predictions/" + ArchiveLayout.partition(p.eventTimeMillis()));
    }
    return hours.stream().map(h -> h.replace("date=", "").replace("hour=", "")).distinct().toList();
  }

  private static String timeField(String stream) {
    return switch (stream) {
      case "payments" -> "event_time";
      case "chargebacks" -> "outcome_time";
      default -> "event_time";
    };
  }

  private static List<Row> rows(Archived archived, String stream, EventSchema schema)
      throws IOException {
    List<String> json = new ArrayList<>();
    for (ArchivedFile f : archived.of(stream)) {
      for (GenericRecord r : f.records()) {
        json.add(AvroJson.toJson(r));
      }
    }
    return rows(json, schema);
  }

  private static List<Row> rows(List<String> json, EventSchema schema) {
    RecordParser parser = new RecordParser(schema);
    List<Row> rows = new ArrayList<>();
    for (String j : json) {
      RecordParser.Result result = parser.parseJson(j);
      assertThat(result.ok()).as("%s parses: %s", j, result.detail()).isTrue();
      rows.add(result.row());
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  private static Prediction prediction(GenericRecord r) {
    List<Float> list = (List<Float>) r.get("features");
    float[] features = new float[list.size()];
    for (int i = 0; i < features.length; i++) {
      features[i] = list.get(i);
    }
    Map<String, Float> scores = new HashMap<>();
    ((Map<Object, Float>) r.get("scores")).forEach((k, v) -> scores.put(k.toString(), v));
    return new Prediction(
        r.get("event_id").toString(),
        (Long) r.get("event_time"),
        (Float) r.get("score"),
        (Boolean) r.get("decision"),
        r.get("model_version").toString(),
        r.get("arm").toString(),
        r.get("spec").toString(),
        features,
        (Long) r.get("scored_at_ms"),
        scores);
  }

  /** Training examples over the given files, as {@code freshet train} computes them, sorted. */
  private static List<Example> examples(String eventsPattern, String outcomesPattern)
      throws IOException {
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(
                "--events=" + eventsPattern, "--outcomes=" + outcomesPattern)
            .withValidation()
            .as(TrainOptions.class);
    List<Example> all =
        new ArrayList<>(
            TrainJob.computeExamples(
                options,
                dev.freshet.pipelines.features.Specs.load(options),
                Files.createTempDirectory(TMP.getRoot().toPath(), "examples")));
    all.sort(Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::id));
    return all;
  }

  /** One archived file: where it is and what it holds. */
  private record ArchivedFile(
      String stream, String date, String hour, String name, List<GenericRecord> records) {}

  /** Everything under an archive directory, read with plain parquet-avro. */
  private record Archived(List<ArchivedFile> files) {
    static Archived read(Path root) throws IOException {
      List<ArchivedFile> files = new ArrayList<>();
      List<Path> paths;
      try (Stream<Path> walk = Files.walk(root)) {
        paths = walk.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
      }
      for (Path f : paths) {
        String relative = root.relativize(f).toString();
        Matcher m = FILE.matcher(relative);
        assertThat(m.matches()).as("archived file %s follows the layout", relative).isTrue();
        List<GenericRecord> records = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(LocalParquetFiles.input(f))
                .withDataModel(GenericData.get())
                .build()) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            records.add(r);
          }
        }
        files.add(new ArchivedFile(m.group(1), m.group(2), m.group(3), relative, records));
      }
      return new Archived(files);
    }

    int records() {
      return files.stream().mapToInt(f -> f.records().size()).sum();
    }

    List<ArchivedFile> of(String stream) {
      return files.stream().filter(f -> f.stream().equals(stream)).collect(Collectors.toList());
    }
  }

  private static void sendMalformed(
      KafkaProducer<String, String> producer,
      String topic,
      EventSchema schema,
      String valid,
      long timestamp) {
    for (Map.Entry<DeadLetterReason, String> bad : MalformedRecords.of(schema, valid).entrySet()) {
      producer.send(new ProducerRecord<>(topic, null, timestamp, "bad", bad.getValue()));
      EXPECTED_DEAD.merge(schema.name() + " " + bad.getKey(), 1, Integer::sum);
    }
  }

  /** A valid record two hours after {@code last} on every partition of {@code topic}. */
  private static void sendTrailers(
      KafkaProducer<String, String> producer, String topic, long last, String timeField)
      throws IOException {
    List<String> source = topic.equals(EVENTS) ? events : outcomes;
    for (int partition = 0; partition < PARTITIONS; partition++) {
      long t = last + Duration.ofHours(2).toMillis();
      com.fasterxml.jackson.databind.node.ObjectNode n =
          (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.get(0));
      n.put("event_id", "trailer-" + partition);
      n.put(timeField, Instant.ofEpochMilli(t).toString());
      producer.send(new ProducerRecord<>(topic, partition, t, "trailer", n.toString()));
    }
  }

  private static long lastTime(List<String> lines, String field) throws IOException {
    long last = Long.MIN_VALUE;
    for (String l : lines) {
      last = Math.max(last, time(JSON.readTree(l), field));
    }
    return last;
  }

  private static long time(JsonNode n, String field) {
    return Instant.parse(n.get(field).asText()).toEpochMilli();
  }

  private static KafkaProducer<String, String> producer() {
    return kafka.producer();
  }
}
