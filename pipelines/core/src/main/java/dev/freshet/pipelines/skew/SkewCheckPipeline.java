package dev.freshet.pipelines.skew;

import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.io.LabeledSources;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.predictions.ParsePredictions;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.skew.EventComparison.Status;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.ExtractFeatures;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.labels.JoinLabels;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.joda.time.Duration;

/**
 * The skew check as one Beam pipeline. The event log goes through the <b>bounded path</b> (files
 * read as bounded collections, each key replayed in event-time order: what {@code train} computes)
 * and, replayed as an unbounded {@link ArrivalStream}, through the <b>streaming path</b> (per-key
 * state in arrival order: what {@code serve} computes); both are the same {@code JoinLabels} and
 * {@code ExtractFeatures}, each with its own spec. The vectors are joined by event id and compared
 * column by column. Logged predictions (a JSON-lines file or the {@code predictions} topic, read up
 * to a number of records) are joined with the bounded vectors the same way, and each recomputed
 * vector is rescored with the model version that made the prediction. Every event becomes one
 * {@link EventComparison}; each comparison is combined into one report, written as {@code
 * <outputDir>/<comparison>.json}.
 */
public final class SkewCheckPipeline {
  /** Counter of prediction records that could not be read ({@link ParsePredictions}' dead). */
  public static final String UNREADABLE_PREDICTIONS = ParsePredictions.DEFAULT_SOURCE + "_dead";

  private static final TupleTag<TimedVector> LEFT = new TupleTag<>() {};
  private static final TupleTag<TimedVector> STREAMED = new TupleTag<>() {};
  private static final TupleTag<Prediction> LOGGED = new TupleTag<>() {};

  private SkewCheckPipeline() {}

  /** Where the logged predictions come from: a file pattern, or a topic read up to a count. */
  public record PredictionSource(
      String file, KafkaClients kafka, String topic, long maxRecords, long maxReadSeconds) {
    public static PredictionSource file(String pattern) {
      return new PredictionSource(pattern, null, null, 0, 0);
    }

    public static PredictionSource kafka(
        KafkaClients kafka, String topic, long maxRecords, long maxReadSeconds) {
      return new PredictionSource(null, kafka, topic, maxRecords, maxReadSeconds);
    }
  }

  /**
   * What to check.
   *
   * @param boundedSpec the spec of the bounded path (and of the recomputed vectors)
   * @param streamingSpec the spec of the streaming path: the same one, unless checking a change
   * @param streamLog the log the streaming path replays (null: no bounded-vs-streaming comparison)
   * @param predictions the logged predictions (null: no logged-vs-recomputed comparison)
   * @param registry the model registry to rescore with
   * @param outputDir where each comparison's report is written
   */
  public record Config(
      Domain domain,
      FeatureSpec boundedSpec,
      FeatureSpec streamingSpec,
      String events,
      String outcomes,
      EventLog.Records streamLog,
      PredictionSource predictions,
      String registry,
      VectorDiff diff,
      int maxExamples,
      String outputDir) {}

  /** Builds the check on {@code p}. */
  public static void build(Pipeline p, Config c) {
    FeatureSpec spec = c.boundedSpec();
    LabeledSources sources = c.domain().read(p, spec, c.events(), c.outcomes());
    PCollection<KV<String, TimedVector>> bounded =
        vectors("Bounded", spec, sources.events().rows(), sources.outcomes().rows());

    if (c.streamLog() != null) {
      FeatureSpec streamingSpec = c.streamingSpec();
      PCollectionTuple stream =
          p.apply("ReplayLog", ArrivalStream.of(streamingSpec, c.streamLog()));
      PCollection<KV<String, TimedVector>> streamed =
          vectors(
              "Streaming",
              streamingSpec,
              stream.get(ArrivalStream.EVENTS),
              stream.get(ArrivalStream.OUTCOMES));
      KeyedPCollectionTuple.of(LEFT, bounded.apply("OnceStreamingEnds", onceAtEnd()))
          .and(STREAMED, streamed.apply("OnceAtEnd", onceAtEnd()))
          .apply("JoinStreaming", CoGroupByKey.create())
          .apply(
              "CompareStreaming",
              ParDo.of(new CompareStreamingFn(c.diff(), c.streamLog().lastEventMillis(spec))))
          .setCoder(new EventComparison.Coder())
          .apply("SummariseStreaming", summary(Comparison.STREAMING, c))
          .apply("WriteStreamingReport", ParDo.of(new WriteReportFn(c.outputDir(), "streaming")));
    }

    PCollectionList<DeadLetter> dead = PCollectionList.of(sources.deadLetters());
    if (c.predictions() != null) {
      // Unreadable records are counted (the report says how many) and tallied; a bounded check
      // has no dead-letter topic to send them to.
      ParsePredictions.Result parsed =
          p.apply("ReadPredictions", read(c.predictions()))
              .apply("ParsePredictions", ParsePredictions.create());
      dead = dead.and(parsed.deadLetters());
      PCollection<KV<String, Prediction>> logged =
          parsed.predictions().apply("ByEventId", ParsePredictions.byEventId());
      KeyedPCollectionTuple.of(LEFT, bounded.apply("OnceLoggedRead", onceAtEnd()))
          .and(LOGGED, logged.apply("OnceAtEnd", onceAtEnd()))
          .apply("JoinLogged", CoGroupByKey.create())
          .apply(
              "CompareLogged",
              ParDo.of(new CompareLoggedFn(c.diff(), spec.fingerprint(), c.registry())))
          .setCoder(new EventComparison.Coder())
          .apply("SummariseLogged", summary(Comparison.LOGGED, c))
          .apply("WriteLoggedReport", ParDo.of(new WriteReportFn(c.outputDir(), "logged")));
    }
    dead.apply("AllDeadLetters", Flatten.pCollections())
        .apply(
            "TallyDeadLetters",
            DeadLetterTally.counting(
                Map.<String, PCollection<?>>of(
                    spec.events().name(),
                    sources.events().rows(),
                    spec.outcomes().name(),
                    sources.outcomes().rows())))
        .apply("WriteDeadLetterTally", DeadLetterTally.writeTo(deadLetterTally(c.outputDir())));
  }

  /** Where {@link #build} writes the tally of the dead letters it met. */
  public static String deadLetterTally(String outputDir) {
    return outputDir + "/dead-letters.json";
  }

  /**
   * The global window, fired once when the watermark passes its end: when every input is read and
   * the replayed stream has ended. Stated explicitly because Beam refuses a default trigger on
   * unbounded input (the replayed stream is unbounded).
   */
  private static <T> Window<T> onceAtEnd() {
    return Window.<T>into(new GlobalWindows())
        .triggering(AfterWatermark.pastEndOfWindow())
        .withAllowedLateness(Duration.ZERO)
        .discardingFiredPanes();
  }

  private static Combine.Globally<EventComparison, String> summary(
      Comparison comparison, Config c) {
    return Combine.globally(
            new SkewSummary.Fn(comparison, c.boundedSpec().featureNames(), c.maxExamples()))
        .withoutDefaults();
  }

  /** One path: natural labels (when the spec reads outcomes) and features, keyed by event id. */
  private static PCollection<KV<String, TimedVector>> vectors(
      String path, FeatureSpec spec, PCollection<Row> events, PCollection<Row> outcomes) {
    ExtractFeatures extract = ExtractFeatures.of(spec);
    if (spec.hasOutcomeFeatures()) {
      extract =
          extract.withLabels(
              events.apply(path + "Labels", JoinLabels.events(spec, outcomes)).labeled());
    }
    String id = spec.events().idField();
    String time = spec.events().timeField();
    return events
        .apply(path + "Features", extract)
        .apply(path + "ById", ParDo.of(new ByIdFn(id, time)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), new TimedVector.Coder()));
  }

  private static ReadPredictions read(PredictionSource source) {
    return new ReadPredictions(source);
  }

  /** The prediction records: lines of files, or values of the topic up to a count. */
  static final class ReadPredictions extends PTransform<PBegin, PCollection<String>> {
    private final PredictionSource source;

    ReadPredictions(PredictionSource source) {
      this.source = source;
    }

    @Override
    public PCollection<String> expand(PBegin begin) {
      if (source.file() != null) {
        return begin.apply("ReadLines", TextIO.read().from(source.file()));
      }
      // No consumer group and no commits: the check reads the topic from its start and leaves
      // serving's and learning's offsets alone.
      return begin
          .apply(
              "ReadTopic",
              KafkaIO.<String, String>read()
                  .withBootstrapServers(source.kafka().bootstrapServers())
                  .withConsumerFactoryFn(source.kafka().consumerFactory())
                  .withTopic(source.topic())
                  .withKeyDeserializer(StringDeserializer.class)
                  .withValueDeserializer(StringDeserializer.class)
                  .withConsumerConfigUpdates(
                      Map.of(
                          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                          "earliest",
                          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                          false))
                  .withMaxNumRecords(source.maxRecords())
                  .withMaxReadTime(Duration.standardSeconds(source.maxReadSeconds()))
                  .withoutMetadata())
          .apply("Values", Values.create());
    }
  }

  static final class ByIdFn extends DoFn<FeaturedEvent, KV<String, TimedVector>> {
    private final String idField;
    private final String timeField;

    ByIdFn(String idField, String timeField) {
      this.idField = idField;
      this.timeField = timeField;
    }

    @ProcessElement
    public void process(@Element FeaturedEvent e, OutputReceiver<KV<String, TimedVector>> out) {
      out.output(
          KV.of(
              e.event().getString(idField),
              new TimedVector(e.event().getDateTime(timeField).getMillis(), e.features())));
    }
  }

  /**
   * Compares the vectors of one event id: every copy (a duplicated event has several) against the
   * first bounded one. A bounded event after the streaming path's cut (its last event) is outside
   * the sample and left out.
   */
  static EventComparison compare(
      String id, List<TimedVector> left, List<float[]> right, long rightTime, VectorDiff diff) {
    if (left.isEmpty()) {
      return EventComparison.of(id, rightTime, Status.ONLY_RIGHT);
    }
    long time = left.get(0).timeMillis();
    if (right.isEmpty()) {
      return EventComparison.of(id, time, Status.ONLY_LEFT);
    }
    float[] reference = left.get(0).values();
    List<float[]> others = new ArrayList<>(right);
    for (int i = 1; i < left.size(); i++) {
      others.add(left.get(i).values());
    }
    Map<Integer, Float> differing = new java.util.TreeMap<>();
    for (float[] other : others) {
      for (int f : diff.differing(reference, other)) {
        differing.putIfAbsent(f, f < other.length ? other[f] : Float.NaN);
      }
    }
    if (differing.isEmpty()) {
      return EventComparison.of(id, time, Status.IDENTICAL);
    }
    int[] features = new int[differing.size()];
    float[] l = new float[features.length];
    float[] r = new float[features.length];
    int k = 0;
    for (Map.Entry<Integer, Float> e : differing.entrySet()) {
      features[k] = e.getKey();
      l[k] = e.getKey() < reference.length ? reference[e.getKey()] : Float.NaN;
      r[k] = e.getValue();
      k++;
    }
    return new EventComparison(
        id, time, Status.DIFFERENT, features, l, r, Float.NaN, Float.NaN, null);
  }

  static final class CompareStreamingFn extends DoFn<KV<String, CoGbkResult>, EventComparison> {
    private final VectorDiff diff;
    private final long cutMillis;

    CompareStreamingFn(VectorDiff diff, long cutMillis) {
      this.diff = diff;
      this.cutMillis = cutMillis;
    }

    @ProcessElement
    public void process(
        @Element KV<String, CoGbkResult> joined, OutputReceiver<EventComparison> out) {
      List<TimedVector> left = new ArrayList<>();
      joined.getValue().getAll(LEFT).forEach(left::add);
      List<float[]> right = new ArrayList<>();
      long rightTime = Long.MIN_VALUE;
      for (TimedVector v : joined.getValue().getAll(STREAMED)) {
        right.add(v.values());
        rightTime = v.timeMillis();
      }
      if (right.isEmpty() && left.stream().allMatch(v -> v.timeMillis() > cutMillis)) {
        return;
      }
      out.output(compare(joined.getKey(), left, right, rightTime, diff));
    }
  }

  /**
   * Compares logged vectors with the recomputed one and rescores the recomputed vector with the
   * model version that made the (first) prediction. Models are loaded once per instance, in the
   * worker, from the registry; a version that cannot be loaded leaves its events unscored, with the
   * reason.
   */
  static final class CompareLoggedFn extends DoFn<KV<String, CoGbkResult>, EventComparison> {
    private final VectorDiff diff;
    private final String fingerprint;
    private final String registry;
    private transient Map<String, Scoring> models;

    /** A loaded version and its scorer, or why it could not be loaded. */
    private record Scoring(LoadedModel model, Scorer scorer, String failure) {}

    CompareLoggedFn(VectorDiff diff, String fingerprint, String registry) {
      this.diff = diff;
      this.fingerprint = fingerprint;
      this.registry = registry;
    }

    @Setup
    public void setup() {
      models = new HashMap<>();
    }

    @ProcessElement
    public void process(
        @Element KV<String, CoGbkResult> joined, OutputReceiver<EventComparison> out) {
      List<TimedVector> left = new ArrayList<>();
      joined.getValue().getAll(LEFT).forEach(left::add);
      List<Prediction> logged = new ArrayList<>();
      joined.getValue().getAll(LOGGED).forEach(logged::add);
      String id = joined.getKey();
      if (logged.isEmpty()) {
        out.output(compare(id, left, List.of(), Long.MIN_VALUE, diff));
        return;
      }
      Prediction first = logged.get(0);
      String spec16 = fingerprint.substring(0, 16);
      for (Prediction p : logged) {
        if (!p.spec().equals(spec16)) {
          long time = left.isEmpty() ? p.eventTimeMillis() : left.get(0).timeMillis();
          out.output(
              EventComparison.of(id, time, Status.SPEC_MISMATCH)
                  .withScores(
                      p.score(),
                      Float.NaN,
                      "logged with spec " + p.spec() + ", recomputed with " + spec16));
          return;
        }
      }
      List<float[]> vectors = new ArrayList<>();
      logged.forEach(p -> vectors.add(p.features()));
      EventComparison c = compare(id, left, vectors, first.eventTimeMillis(), diff);
      if (left.isEmpty()) {
        out.output(c.withScores(first.score(), Float.NaN, null));
        return;
      }
      Scoring scoring = scoring(first.modelVersion());
      if (scoring.scorer() == null) {
        out.output(c.withScores(first.score(), Float.NaN, scoring.failure()));
        return;
      }
      float rescored = scoring.scorer().score(left.get(0).values());
      out.output(c.withScores(first.score(), rescored, null));
    }

    private Scoring scoring(String version) {
      return models.computeIfAbsent(
          version,
          v -> {
            try {
              LoadedModel model = ModelRegistry.at(registry).load(v, fingerprint);
              return new Scoring(model, model.classifier().newScorer(), null);
            } catch (ModelRejectedException | RuntimeException e) {
              return new Scoring(null, null, "model " + v + " not loadable: " + e.getMessage());
            }
          });
    }

    @Teardown
    public void teardown() {
      if (models == null) {
        return;
      }
      for (Scoring s : models.values()) {
        if (s.scorer() != null) {
          s.scorer().close();
        }
        if (s.model() != null) {
          s.model().close();
        }
      }
      models.clear();
    }
  }

  /** Writes one comparison's report to {@code <dir>/<name>.json}. */
  static final class WriteReportFn extends DoFn<String, Void> {
    private final String dir;
    private final String name;

    WriteReportFn(String dir, String name) {
      this.dir = dir;
      this.name = name;
    }

    @ProcessElement
    public void process(@Element String json) throws IOException {
      ResourceId target =
          FileSystems.matchNewResource(dir, true)
              .resolve(name + ".json", ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
      try (OutputStream out =
          Channels.newOutputStream(FileSystems.create(target, MimeTypes.TEXT))) {
        out.write(json.getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
