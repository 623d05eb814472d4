package dev.freshet.pipelines.archive;

import dev.freshet.pipelines.kafka.EncodedTopic;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.predictions.ParsePredictions;
import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;

/**
 * The unbounded {@code archive} pipeline (DESIGN data flow: topics to permanent storage):
 *
 * <pre>
 * [events]      ─> parse (spec)       ─┐
 * [outcomes]    ─> parse (spec)       ─┼─> hourly event-time windows ─> Parquet per stream/date/hour
 * [predictions] ─> parse predictions  ─┘
 * malformed records of all three ─────────────────────────────────────> [dead-letters]
 * </pre>
 *
 * Events and outcomes are parsed in their encodings ({@link EncodedTopic}: JSON, Avro, Protobuf)
 * with the feature spec's own parser and written with columns derived from the spec ({@link
 * ParquetRecords}), so {@code freshet train --events=<archiveDir>/ payments/**}{@code /*.parquet}
 * reads them exactly as it reads any Parquet input; predictions keep every field serve wrote
 * ({@link PredictionRows}). Layout: {@link ArchiveLayout}.
 *
 * <p><b>Window and trigger policy.</b> Records are windowed into fixed one-hour windows of event
 * time, the partition unit. An hour is written once, when the watermark passes its end (the on-time
 * pane): in a flowing stream each hour's directory gets {@code --numShards} files, the fewest that
 * the chosen write parallelism allows, never a file per bundle. Two processing-time triggers keep a
 * streaming job from holding data forever without bringing back small files:
 *
 * <ul>
 *   <li><b>Early firing</b> ({@code --earlyFiringMinutes}, default 90): an hour the watermark has
 *       not closed is written anyway 90 minutes after its first unwritten record arrived. The
 *       watermark of a partition that receives nothing does not move, and it holds the whole
 *       stream's; without this an idle partition would keep every later hour in memory. The default
 *       is longer than an hour plus the usual out-of-orderness, so a healthy live stream closes
 *       each hour on time before it would fire early and gets no early files.
 *   <li><b>Late data</b> ({@code --allowedLatenessMinutes}, default one day; {@code
 *       --lateFiringMinutes}, default 10): records of an hour already written are gathered for 10
 *       minutes after the first of them and written as one more file per shard in the same
 *       directory. Records more than a day behind the watermark are dropped by Beam's windowing and
 *       counted in its {@code droppedDueToLateness} metric; a longer lateness keeps more hours'
 *       trigger state (small: no records, only timers) alive.
 * </ul>
 *
 * So an hour's directory holds at most {@code numShards × (1 + early panes + late panes)} files,
 * where early panes are at most one per {@code earlyFiringMinutes} while the watermark stalls and
 * late panes at most one per {@code lateFiringMinutes} within the lateness. Empty panes write
 * nothing. Files are written through temporary files and renamed when complete, so a reader never
 * sees a partial file (temporary files have no {@code .parquet} suffix).
 *
 * <p><b>Stopping.</b> A drain (Dataflow, or {@code flink stop --drain}) moves the watermark to the
 * end, so every open hour is written before the job stops. A cancel loses the hours not yet
 * written; the consumer group's offsets are already past them, so restart such a job from its
 * checkpoint or savepoint, or with {@code --startOffset=EARLIEST} under a new {@code
 * --consumerGroup} (hours written twice then hold duplicates, told apart by their run id).
 */
public final class ArchivePipeline {
  /** Metric {@code <stream>_archived}: records handed to the writer. */
  public static final String ARCHIVED = "_archived";

  /** Metric {@code <stream>_archive_files}: files written (complete, renamed into place). */
  public static final String FILES = "_archive_files";

  private ArchivePipeline() {}

  /** The streams this run archives: their names (directories) and the topics they come from. */
  public record Stream(String name, String topic) implements Serializable {}

  /**
   * The streams {@code options} and {@code spec} archive, in order: events, outcomes, predictions.
   */
  public static List<Stream> streams(ArchiveOptions options, FeatureSpec spec) {
    List<Stream> streams = new ArrayList<>();
    streams.add(new Stream(spec.events().name(), options.getEventsTopic()));
    if (spec.outcomes() != null) {
      streams.add(new Stream(spec.outcomes().name(), options.getOutcomesTopic()));
    }
    if (options.getArchivePredictions()) {
      streams.add(new Stream(PredictionRows.STREAM, options.getPredictionsTopic()));
    }
    return streams;
  }

  /** The events and (when the spec has them) outcomes topics, in their encodings. */
  public static List<EncodedTopic> inputs(ArchiveOptions options, FeatureSpec spec) {
    List<EncodedTopic> inputs = new ArrayList<>(List.of(EncodedTopic.events(options, spec)));
    if (spec.outcomes() != null) {
      inputs.add(EncodedTopic.outcomes(options, spec));
    }
    return inputs;
  }

  /** Builds the pipeline on {@code p}; reading and writing start on run. */
  public static void build(Pipeline p, ArchiveOptions options, FeatureSpec spec) {
    validate(options, spec);
    String runId = UUID.randomUUID().toString().substring(0, 8);
    List<PCollection<DeadLetter>> dead = new ArrayList<>();

    for (EncodedTopic input : inputs(options, spec)) {
      EventSchema schema = input.schema();
      ParseResult parsed = input.read(p, "Read " + schema.name(), "Parse " + schema.name());
      dead.add(parsed.deadLetters());
      write(parsed.rows(), schema.name(), schema.timeField(), options, runId);
    }
    if (options.getArchivePredictions()) {
      ParsePredictions.Result parsed =
          p.apply(
                  "Read " + PredictionRows.STREAM,
                  KafkaTopics.read(options, options.getPredictionsTopic()))
              .apply(
                  "Parse " + PredictionRows.STREAM,
                  ParsePredictions.create().withSource(PredictionRows.STREAM));
      dead.add(parsed.deadLetters());
      write(
          parsed
              .predictions()
              .apply(
                  "Rows " + PredictionRows.STREAM,
                  MapElements.into(TypeDescriptor.of(Row.class)).via(PredictionRows::toRow))
              .setCoder(SchemaCoder.of(PredictionRows.SCHEMA)),
          PredictionRows.STREAM,
          "event_time",
          options,
          runId);
    }
    KafkaTopics.writeDeadLetters(
        PCollectionList.of(dead).apply("AllDeadLetters", Flatten.pCollections()), options);
  }

  /** Windows {@code rows} hourly and writes them as Parquet under {@code <archiveDir>/<name>}. */
  private static void write(
      PCollection<Row> rows, String name, String timeField, ArchiveOptions options, String runId) {
    org.apache.beam.sdk.schemas.Schema schema = rows.getSchema();
    WriteFilesResult<String> written =
        rows.apply("Count " + name, ParDo.of(new CountFn(name)))
            .setCoder(rows.getCoder())
            .apply("Hourly " + name, hourly(options))
            .apply(
                "Write " + name,
                FileIO.<String, Row>writeDynamic()
                    .by(new PartitionFn(timeField))
                    .withDestinationCoder(StringUtf8Coder.of())
                    .via(
                        ParquetRecords.toAvro(schema, name),
                        ParquetIO.sink(ParquetRecords.avroSchema(schema, name)))
                    .to(directory(options.getArchiveDir(), name))
                    .withNaming(partition -> ArchiveLayout.naming(partition, runId))
                    .withNumShards(options.getNumShards()));
    written
        .getPerDestinationOutputFilenames()
        .apply("Files " + name, ParDo.of(new CountFilesFn(name)));
  }

  /** The window and trigger policy of the class comment. */
  static Window<Row> hourly(ArchiveOptions options) {
    AfterWatermark.FromEndOfWindow onTime = AfterWatermark.pastEndOfWindow();
    Trigger.OnceTrigger late =
        AfterProcessingTime.pastFirstElementInPane()
            .plusDelayOf(Duration.standardMinutes(options.getLateFiringMinutes()));
    Trigger trigger =
        options.getEarlyFiringMinutes() > 0
            ? onTime
                .withEarlyFirings(
                    AfterProcessingTime.pastFirstElementInPane()
                        .plusDelayOf(Duration.standardMinutes(options.getEarlyFiringMinutes())))
                .withLateFirings(late)
            : onTime.withLateFirings(late);
    return Window.<Row>into(FixedWindows.of(Duration.standardHours(1)))
        .triggering(trigger)
        .withAllowedLateness(Duration.standardMinutes(options.getAllowedLatenessMinutes()))
        .discardingFiredPanes()
        .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY);
  }

  static String directory(String archiveDir, String name) {
    return archiveDir.replaceAll("/+$", "") + "/" + name;
  }

  /**
   * Checks the options and the spec, failing with a message that names the option. {@code freshet
   * archive} calls it before anything connects.
   */
  public static void validate(ArchiveOptions options, FeatureSpec spec) {
    String dir = options.getArchiveDir();
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException(
          "--archiveDir is required: the directory (local or gs://bucket/path) the Parquet files"
              + " go to");
    }
    try {
      FileSystems.matchNewResource(dir, true);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--archiveDir=" + dir + " is not a path Beam can write to: " + e.getMessage(), e);
    }
    if (options.getNumShards() < 1 || options.getNumShards() > 1024) {
      throw new IllegalArgumentException(
          "--numShards must be between 1 and 1024, got " + options.getNumShards());
    }
    if (options.getEarlyFiringMinutes() < 0) {
      throw new IllegalArgumentException(
          "--earlyFiringMinutes must be zero (never early) or positive, got "
              + options.getEarlyFiringMinutes());
    }
    if (options.getAllowedLatenessMinutes() < 0) {
      throw new IllegalArgumentException(
          "--allowedLatenessMinutes must be zero or positive, got "
              + options.getAllowedLatenessMinutes());
    }
    if (options.getLateFiringMinutes() < 1) {
      throw new IllegalArgumentException(
          "--lateFiringMinutes must be at least 1 (a file per late record would be a small-file"
              + " storm), got "
              + options.getLateFiringMinutes());
    }
    Set<String> names = new HashSet<>();
    for (Stream s : streams(options, spec)) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException(
            "two archived streams would share the directory '"
                + s.name()
                + "': rename a stream in the spec or set --archivePredictions=false");
      }
    }
    ParquetRecords.avroSchema(spec.events().beamSchema(), spec.events().name());
    if (spec.outcomes() != null) {
      ParquetRecords.avroSchema(spec.outcomes().beamSchema(), spec.outcomes().name());
    }
  }

  /** The partition directory of a row: the date and hour of its own event time. */
  static final class PartitionFn implements SerializableFunction<Row, String> {
    private final String timeField;

    PartitionFn(String timeField) {
      this.timeField = timeField;
    }

    @Override
    public String apply(Row row) {
      return ArchiveLayout.partition(row.getDateTime(timeField).getMillis());
    }
  }

  /** Counts the records of one stream that reach the writer. */
  static final class CountFn extends DoFn<Row, Row> {
    private final String name;
    private transient Counter archived;

    CountFn(String name) {
      this.name = name;
    }

    @Setup
    public void setup() {
      archived = Metrics.counter(ParseEvents.METRICS_NAMESPACE, name + ARCHIVED);
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) {
      archived.inc();
      out.output(row);
    }
  }

  /** Counts the files of one stream that were written and moved into place. */
  static final class CountFilesFn extends DoFn<KV<String, String>, Void> {
    private final String name;
    private transient Counter files;

    CountFilesFn(String name) {
      this.name = name;
    }

    @Setup
    public void setup() {
      files = Metrics.counter(ParseEvents.METRICS_NAMESPACE, name + FILES);
    }

    @ProcessElement
    public void process() {
      files.inc();
    }
  }
}
