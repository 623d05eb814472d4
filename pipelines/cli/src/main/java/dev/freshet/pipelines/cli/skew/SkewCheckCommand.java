package dev.freshet.pipelines.cli.skew;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.pipelines.skew.Comparison;
import dev.freshet.pipelines.skew.EventLog;
import dev.freshet.pipelines.skew.SkewCheckOptions;
import dev.freshet.pipelines.skew.SkewCheckOptions.Check;
import dev.freshet.pipelines.skew.SkewCheckPipeline;
import dev.freshet.pipelines.skew.SkewSummary;
import dev.freshet.pipelines.skew.VectorDiff;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code freshet skew-check}: proves (or disproves) that training and serving compute the same
 * features. Runs {@link SkewCheckPipeline} and reports, per comparison, the events compared,
 * identical, different and missing on either side, the differing events per feature, examples with
 * both values, and for logged predictions the distribution of score differences. Exits 1 when the
 * share of divergent events of a comparison exceeds {@code --maxDivergence} (0 by default: the
 * design promises bit-identical vectors when each key's events arrive in event-time order).
 */
public final class SkewCheckCommand {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SkewCheckCommand() {}

  /** The exit status and the report. */
  public record Result(int exitCode, ObjectNode report) {}

  /** Runs with Beam-style arguments; returns the exit status. */
  public static int run(String[] args, PrintStream out) throws Exception {
    PipelineOptionsFactory.register(SkewCheckOptions.class);
    if (Launcher.wantsHelp(args)) {
      out.println("Usage: freshet skew-check [--option=value ...]");
      out.println(
          "Runs an event log through the bounded path and the streaming path (and compares the");
      out.println(
          "vectors serve logged with its predictions against vectors recomputed in batch),");
      out.println(
          "reports every difference by feature and exits 1 when the share of divergent events");
      out.println(
          "exceeds --maxDivergence. Runner options (--runner=FlinkRunner, ...) are Beam's;");
      out.println(
          "on Flink the streaming replay runs at --parallelism=1 unless given (more reorders it).");
      out.println();
      PipelineOptionsFactory.printHelp(out, SkewCheckOptions.class);
      return 0;
    }
    return check(parse(args), out).exitCode();
  }

  public static SkewCheckOptions parse(String... args) {
    PipelineOptionsFactory.register(SkewCheckOptions.class);
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(SkewCheckOptions.class);
  }

  /** Validates, runs the check, prints and writes the report. */
  public static Result check(SkewCheckOptions options, PrintStream out) throws Exception {
    validate(options);
    FeatureSpec spec = Specs.load(options);
    FeatureSpec streamingSpec = streamingSpec(options, spec);
    Domain domain = options.getDomain();
    String events = options.getEvents() != null ? options.getEvents() : domain.defaultEvents();
    String outcomes =
        options.getOutcomes() != null ? options.getOutcomes() : domain.defaultOutcomes();
    Specs.requireFiles("--events", events);
    Specs.requireFiles("--outcomes", outcomes);
    boolean streaming = options.getCheck() != Check.LOGGED;
    boolean logged = options.getCheck() != Check.STREAMING;

    out.printf(
        "Freshet skew-check: spec '%s' (%d features, fingerprint %s), runner %s%n",
        spec.name(),
        spec.size(),
        spec.fingerprint().substring(0, 12),
        options.getRunner().getSimpleName());
    ObjectNode report = JSON.createObjectNode();
    report.put("spec", spec.name());
    report.put("fingerprint", spec.fingerprint());
    if (!streamingSpec.equals(spec)) {
      report.put("streaming_spec_fingerprint", streamingSpec.fingerprint());
      out.printf(
          "the streaming path computes another spec (fingerprint %s)%n",
          streamingSpec.fingerprint().substring(0, 12));
    }
    report.put("runner", options.getRunner().getSimpleName());
    report.put("events", events);
    if (outcomes != null) {
      report.put("outcomes", outcomes);
    }
    report.put("tolerance", options.getTolerance());
    report.put("max_divergence", options.getMaxDivergence());

    EventLog.Records replay = null;
    if (streaming) {
      EventLog.Records log = EventLog.read(domain, streamingSpec, events, outcomes);
      replay = log.upTo(options.getMaxEvents(), streamingSpec);
      if (replay.events().isEmpty()) {
        throw new IllegalArgumentException("--events=" + events + " holds no valid event");
      }
      ObjectNode l = report.putObject("streaming_replay");
      l.put("events", replay.events().size());
      l.put("outcomes", replay.outcomes().size());
      l.put("unparseable_events", log.badEvents());
      l.put("unparseable_outcomes", log.badOutcomes());
      l.put("up_to", Instant.ofEpochMilli(replay.lastEventMillis(streamingSpec)).toString());
      out.printf(
          "streaming path replays %,d of %,d events (up to %s) and %,d outcomes in event-time order%n",
          replay.events().size(),
          log.events().size(),
          Instant.ofEpochMilli(replay.lastEventMillis(streamingSpec)),
          replay.outcomes().size());
    }
    SkewCheckPipeline.PredictionSource predictions = logged ? predictions(options, out) : null;

    if (streaming && options.getRunner() == FlinkRunner.class) {
      FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
      if (flink.getParallelism() <= 0) {
        // Flink rebalances the one-task TestStream over parallel tasks before the records are
        // keyed, which reorders each key's events: a skew of the replay, not of serving.
        flink.setParallelism(1);
        out.println("Flink: --parallelism=1 (keeps the replay's per-key order; see --help)");
      }
    }
    String work = workDirectory(options);
    Pipeline p = Pipeline.create(options);
    SkewCheckPipeline.build(
        p,
        new SkewCheckPipeline.Config(
            domain,
            spec,
            streamingSpec,
            events,
            outcomes,
            replay,
            predictions,
            options.getRegistry(),
            VectorDiff.within(options.getTolerance()),
            options.getExamples(),
            work));
    out.println("running...");
    long start = System.nanoTime();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;

    ArrayNode comparisons = report.putArray("comparisons");
    boolean passed = true;
    List<Comparison> run = new ArrayList<>();
    if (streaming) {
      run.add(Comparison.STREAMING);
    }
    if (logged) {
      run.add(Comparison.LOGGED);
    }
    for (Comparison c : run) {
      ObjectNode part = readPart(work, c, spec);
      boolean ok = part.get("divergent_share").asDouble() <= options.getMaxDivergence();
      part.put("passed", ok);
      passed &= ok;
      comparisons.add(part);
    }
    if (logged) {
      long unreadable =
          Launcher.counters(result).getOrDefault(SkewCheckPipeline.UNREADABLE_PREDICTIONS, 0L);
      report.put("unreadable_predictions", unreadable);
    }
    DeadLetterTally deadLetters = DeadLetterTally.read(SkewCheckPipeline.deadLetterTally(work));
    report.set("dead_letters", JSON.readTree(deadLetters.toJson()));
    report.put("passed", passed);
    report.put("seconds", Math.round(seconds * 10) / 10.0);
    deadLetters.print(out);
    print(report, options, out);
    if (options.getReport() != null) {
      write(options.getReport(), JSON.writeValueAsString(report));
      out.printf("report written to %s%n", options.getReport());
    }
    return new Result(passed ? 0 : 1, report);
  }

  /**
   * Checks every option, naming the bad one, before anything is read. Kafka is checked later, when
   * the predictions are counted.
   */
  public static void validate(SkewCheckOptions o) {
    if (!(o.getTolerance() >= 0) || Double.isInfinite(o.getTolerance())) {
      throw new IllegalArgumentException(
          "--tolerance must be a finite number at least 0, got " + o.getTolerance());
    }
    if (!(o.getMaxDivergence() >= 0 && o.getMaxDivergence() <= 1)) {
      throw new IllegalArgumentException(
          "--maxDivergence must be a share between 0 and 1, got " + o.getMaxDivergence());
    }
    if (o.getExamples() < 0) {
      throw new IllegalArgumentException("--examples must be at least 0, got " + o.getExamples());
    }
    if (o.getMaxEvents() < 0) {
      throw new IllegalArgumentException(
          "--maxEvents must be at least 0 (0 = the whole log), got " + o.getMaxEvents());
    }
    if (o.getMaxRecords() < 0) {
      throw new IllegalArgumentException(
          "--maxRecords must be at least 0 (0 = the whole topic), got " + o.getMaxRecords());
    }
    if (o.getMaxReadSeconds() < 1) {
      throw new IllegalArgumentException(
          "--maxReadSeconds must be at least 1, got " + o.getMaxReadSeconds());
    }
    boolean logged = o.getCheck() != Check.STREAMING;
    boolean file = o.getPredictions() != null;
    boolean kafka = o.getBootstrapServers() != null;
    if (logged && file == kafka) {
      throw new IllegalArgumentException(
          "--check="
              + o.getCheck()
              + " compares logged predictions: give either --predictions=<file pattern> or"
              + " --bootstrapServers=host:port (with --predictionsTopic), not "
              + (file ? "both" : "neither"));
    }
    if (!logged && (file || kafka)) {
      throw new IllegalArgumentException(
          (file ? "--predictions" : "--bootstrapServers")
              + " is only read with --check=LOGGED or --check=BOTH");
    }
    if (o.getStreamingSpec() != null && o.getCheck() == Check.LOGGED) {
      throw new IllegalArgumentException(
          "--streamingSpec is only used with --check=STREAMING or --check=BOTH");
    }
  }

  /** The streaming path's spec: the bounded one unless given; it must have the same columns. */
  private static FeatureSpec streamingSpec(SkewCheckOptions options, FeatureSpec spec)
      throws IOException {
    if (options.getStreamingSpec() == null) {
      return spec;
    }
    Specs.requireFiles("--streamingSpec", options.getStreamingSpec());
    FeatureSpec other = FeatureSpecs.load(options.getStreamingSpec());
    if (!other.featureNames().equals(spec.featureNames())) {
      throw new IllegalArgumentException(
          "--streamingSpec must name the same feature columns, in the same order, as --spec: "
              + other.featureNames()
              + " vs "
              + spec.featureNames());
    }
    if (!other.events().equals(spec.events())) {
      throw new IllegalArgumentException(
          "--streamingSpec must read the same events schema as --spec");
    }
    return other;
  }

  private static SkewCheckPipeline.PredictionSource predictions(
      SkewCheckOptions options, PrintStream out) throws IOException {
    if (options.getPredictions() != null) {
      Specs.requireFiles("--predictions", options.getPredictions());
      out.printf("logged predictions from %s%n", options.getPredictions());
      return SkewCheckPipeline.PredictionSource.file(options.getPredictions());
    }
    String topic = options.getPredictionsTopic();
    KafkaClients kafka = KafkaClients.of(options.getBootstrapServers(), options);
    KafkaTopics.requireReachable(kafka, List.of(topic), java.time.Duration.ofSeconds(5));
    long held = recordsIn(kafka, topic);
    long max = options.getMaxRecords() == 0 ? held : Math.min(held, options.getMaxRecords());
    if (max == 0) {
      throw new IllegalArgumentException(
          "--predictionsTopic=" + topic + " holds no record: nothing to compare");
    }
    out.printf("logged predictions: the first %,d of %,d records on %s%n", max, held, topic);
    return SkewCheckPipeline.PredictionSource.kafka(kafka, topic, max, options.getMaxReadSeconds());
  }

  /** Records a topic holds now: end minus beginning offsets, summed over partitions. */
  static long recordsIn(KafkaClients kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            kafka.config(Map.of()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
      return partitions.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
    }
  }

  /** Where the pipeline writes each comparison's part: under --tempLocation, or a local folder. */
  private static String workDirectory(SkewCheckOptions options) throws IOException {
    String temp = options.getTempLocation();
    if (temp == null || temp.isBlank()) {
      return Files.createTempDirectory("freshet-skew").toString();
    }
    return temp.replaceAll("/+$", "") + "/skew-check-" + UUID.randomUUID();
  }

  private static ObjectNode readPart(String dir, Comparison c, FeatureSpec spec)
      throws IOException {
    String name = c == Comparison.STREAMING ? "streaming" : "logged";
    ResourceId file =
        FileSystems.matchNewResource(dir, true)
            .resolve(name + ".json", ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    if (FileSystems.match(file.toString(), EmptyMatchTreatment.ALLOW).metadata().isEmpty()) {
      // Nothing reached the comparison at all: an empty report, which passes only if empty.
      return SkewSummary.emptyReport(c, spec.featureNames());
    }
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      return (ObjectNode) JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static void write(String path, String json) throws IOException {
    ResourceId target = FileSystems.matchNewResource(path, false);
    try (OutputStream out = Channels.newOutputStream(FileSystems.create(target, MimeTypes.TEXT))) {
      out.write(json.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void print(ObjectNode report, SkewCheckOptions options, PrintStream out) {
    for (JsonNode c : report.get("comparisons")) {
      String left = c.get("left").asText();
      String right = c.get("right").asText();
      out.printf("%n== %s vs %s ==%n", left, right);
      out.printf(
          "events %,d   compared %,d   identical %,d   different %,d   only %s %,d   only %s %,d%s%n",
          c.get("events").asLong(),
          c.get("compared").asLong(),
          c.get("identical").asLong(),
          c.get("different").asLong(),
          left,
          c.get("only_" + left).asLong(),
          right,
          c.get("only_" + right).asLong(),
          c.has("spec_mismatch")
              ? String.format(Locale.ROOT, "   spec mismatch %,d", c.get("spec_mismatch").asLong())
              : "");
      JsonNode byFeature = c.get("differing_events_by_feature");
      if (byFeature.size() > 0) {
        out.println("differing events by feature:");
        byFeature
            .fields()
            .forEachRemaining(e -> out.printf("  %-28s %,d%n", e.getKey(), e.getValue().asLong()));
      }
      for (JsonNode e : c.get("examples")) {
        StringBuilder cols = new StringBuilder();
        for (JsonNode f : e.get("features")) {
          cols.append(
              String.format(
                  Locale.ROOT,
                  " %s: %s %s, %s %s;",
                  f.get("feature").asText(),
                  left,
                  f.get(left).asText(),
                  right,
                  f.get(right).asText()));
        }
        out.printf("  e.g. %s at %s:%s%n", e.get("event_id").asText(), time(e), cols);
      }
      for (JsonNode e : c.get("unmatched_examples")) {
        out.printf(
            "  e.g. %s at %s: %s%s%n",
            e.get("event_id").asText(),
            time(e),
            e.get("status").asText(),
            e.has("note") ? " (" + e.get("note").asText() + ")" : "");
      }
      JsonNode scores = c.get("score_differences");
      if (scores != null) {
        out.printf(
            "score differences |logged - rescored| over %,d scored events: max %.3g  p99 %.3g  p50 %.3g  mean %.3g  (%,d differ)%n",
            scores.get("scored").asLong(),
            scores.get("max").asDouble(),
            scores.get("p99").asDouble(),
            scores.get("p50").asDouble(),
            scores.get("mean").asDouble(),
            scores.get("differing").asLong());
        scores
            .get("not_rescored")
            .fields()
            .forEachRemaining(
                e -> out.printf("  not rescored: %,d (%s)%n", e.getValue().asLong(), e.getKey()));
      }
      out.printf(
          "divergent %,d of %,d = %.4f%% (allowed %.4f%%): %s%n",
          c.get("divergent").asLong(),
          c.get("events").asLong(),
          100 * c.get("divergent_share").asDouble(),
          100 * options.getMaxDivergence(),
          c.get("passed").asBoolean() ? "OK" : "SKEW");
    }
    if (report.has("unreadable_predictions") && report.get("unreadable_predictions").asLong() > 0) {
      out.printf(
          "%,d prediction records could not be read (not compared)%n",
          report.get("unreadable_predictions").asLong());
    }
    out.printf(
        "%n%s in %.1f s%n",
        report.get("passed").asBoolean() ? "PASSED" : "FAILED: training/serving skew",
        report.get("seconds").asDouble());
  }

  private static String time(JsonNode example) {
    return example.has("event_time") ? example.get("event_time").asText() : "?";
  }
}
