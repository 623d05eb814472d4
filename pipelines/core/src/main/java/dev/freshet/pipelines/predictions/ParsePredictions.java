package dev.freshet.pipelines.predictions;

import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterCounter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.WithDeadLetters;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Records of the {@code predictions} topic (JSON, as serve writes them) → {@link Prediction}s, read
 * once where they enter a job: learn, archive and the skew check all parse them here. A record that
 * is not a prediction is a {@code MALFORMED_JSON} dead letter with what was wrong; with {@link
 * #requireSpec}, a prediction scored with another feature spec is a {@code SPEC_MISMATCH} dead
 * letter. Dead letters are counted as {@code <source>_dead} and {@code <source>_dead_<REASON>}.
 *
 * <pre>{@code
 * ParsePredictions.Result parsed =
 *     records.apply(ParsePredictions.create().requireSpec(spec.fingerprint()));
 * parsed.predictions() ... parsed.deadLetters() ...
 * }</pre>
 */
public final class ParsePredictions
    extends PTransform<PCollection<String>, ParsePredictions.Result> {
  /** The dead letters' source unless {@link #withSource} names another. */
  public static final String DEFAULT_SOURCE = "predictions";

  private static final TupleTag<Prediction> PREDICTIONS = new TupleTag<>() {};
  private static final TupleTag<DeadLetter> DEAD = new TupleTag<>() {};

  private final String source;
  private final @Nullable String spec16;

  private ParsePredictions(String source, @Nullable String spec16) {
    this.source = source;
    this.spec16 = spec16;
  }

  public static ParsePredictions create() {
    return new ParsePredictions(DEFAULT_SOURCE, null);
  }

  /** Names the stream in dead letters and counters. */
  public ParsePredictions withSource(String source) {
    return new ParsePredictions(source, spec16);
  }

  /**
   * Accepts only predictions scored with the spec of {@code fingerprint} (predictions carry its
   * first 16 hex characters); others are {@code SPEC_MISMATCH} dead letters.
   */
  public ParsePredictions requireSpec(String fingerprint) {
    return new ParsePredictions(source, fingerprint.substring(0, 16));
  }

  /** Predictions keyed by their event id, for a join with what else is known of the event. */
  public static PTransform<PCollection<Prediction>, PCollection<KV<String, Prediction>>>
      byEventId() {
    return new PTransform<>() {
      @Override
      public PCollection<KV<String, Prediction>> expand(PCollection<Prediction> predictions) {
        return predictions
            .apply(
                "Key",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(Prediction.class)))
                    .via((Prediction p) -> KV.of(p.eventId(), p)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), Prediction.PredictionCoder.of()));
      }
    };
  }

  @Override
  public Result expand(PCollection<String> records) {
    PCollectionTuple parsed =
        records.apply(
            "Parse",
            ParDo.of(new ParseFn(source, spec16))
                .withOutputTags(PREDICTIONS, TupleTagList.of(DEAD)));
    return new Result(
        parsed.get(PREDICTIONS).setCoder(Prediction.PredictionCoder.of()),
        parsed.get(DEAD).setCoder(DeadLetter.DeadLetterCoder.of()));
  }

  /** The predictions read and the records that were not. */
  public static final class Result extends WithDeadLetters<Prediction> {
    Result(PCollection<Prediction> predictions, PCollection<DeadLetter> deadLetters) {
      super(PREDICTIONS, predictions, DEAD, deadLetters);
    }

    public PCollection<Prediction> predictions() {
      return output();
    }
  }

  static final class ParseFn extends DoFn<String, Prediction> {
    private final String source;
    private final @Nullable String spec16;
    private transient DeadLetterCounter deadLetters;

    ParseFn(String source, @Nullable String spec16) {
      this.source = source;
      this.spec16 = spec16;
    }

    @Setup
    public void setup() {
      deadLetters = new DeadLetterCounter(source);
    }

    @ProcessElement
    public void process(@Element String json, MultiOutputReceiver out) {
      Prediction p;
      try {
        p = Prediction.parse(json);
      } catch (RuntimeException e) {
        out.get(DEAD).output(dead(DeadLetterReason.MALFORMED_JSON, e.getMessage(), json));
        return;
      }
      if (spec16 != null && !p.spec().equals(spec16)) {
        out.get(DEAD)
            .output(
                dead(
                    DeadLetterReason.SPEC_MISMATCH,
                    "scored with spec " + p.spec() + ", expected " + spec16,
                    json));
        return;
      }
      out.get(PREDICTIONS).output(p);
    }

    private DeadLetter dead(DeadLetterReason reason, String detail, String json) {
      deadLetters.count(reason);
      String kept =
          json != null && json.length() > DeadLetter.MAX_PAYLOAD_CHARS
              ? json.substring(0, DeadLetter.MAX_PAYLOAD_CHARS)
              : json;
      return new DeadLetter(
          source, reason, String.valueOf(detail), kept, System.currentTimeMillis());
    }
  }
}
