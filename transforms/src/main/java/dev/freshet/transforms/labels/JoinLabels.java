package dev.freshet.transforms.labels;

import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.DeadLetterCounter;
import dev.freshet.transforms.events.DeadLetterReason;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.WithDeadLetters;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.KeyBuckets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Pairs events (or logged predictions), keyed by event id and stamped with event time, with their
 * outcomes: natural labels with a timeout (DESIGN contract 2).
 *
 * <p>An outcome whose own time is at most {@code t + L} gives the label (positive or negative, as
 * the outcome says) the moment it arrives; with none by {@code t + L}, an event-time timer emits a
 * negative label at {@code t + L}. Decisions depend only on timestamps, so bounded and streaming
 * input give the same labels when nothing arrives late.
 *
 * <p>Outcomes that cannot label anything are not dropped silently: they become {@link DeadLetter}s
 * and are counted in metrics: {@code OUTCOME_AFTER_TIMEOUT} (the label window had closed, or the
 * watermark had passed it; <b>the timeout label stands</b>, as it may already have been trained
 * on), {@code DUPLICATE_OUTCOME} (the first outcome to arrive decides; later ones are idempotent),
 * {@code ORPHAN_OUTCOME} (no event with that id within the label window plus the allowed lateness).
 * A second event with the same id is a {@code DUPLICATE_EVENT} dead letter.
 *
 * <pre>{@code
 * JoinLabels.Result<Row> labels =
 *     eventsById.apply("JoinLabels", JoinLabels.<Row>withOutcomes(outcomes).within(Duration.standardHours(48)));
 * }</pre>
 */
public final class JoinLabels<T>
    extends PTransform<PCollection<KV<String, T>>, JoinLabels.Result<T>> {
  private static final Duration DEFAULT_LATENESS = Duration.standardHours(1);
  private static final TupleTag<Labeled<?>> LABELED = new TupleTag<>() {};
  private static final TupleTag<DeadLetter> DEAD = new TupleTag<>() {};

  private final PCollection<Outcome> outcomes;
  private final Duration window;
  private final Duration allowedLateness;
  private final Ordering ordering;

  /** How inputs per event id are ordered; chosen by boundedness unless forced. */
  public enum Ordering {
    EVENT_TIME,
    ARRIVAL
  }

  private JoinLabels(
      PCollection<Outcome> outcomes, Duration window, Duration allowedLateness, Ordering ordering) {
    this.outcomes = outcomes;
    this.window = window;
    this.allowedLateness = allowedLateness;
    this.ordering = ordering;
  }

  public static <T> JoinLabels<T> withOutcomes(PCollection<Outcome> outcomes) {
    return new JoinLabels<>(outcomes, null, DEFAULT_LATENESS, null);
  }

  /** The label window {@code L}. Required. */
  public JoinLabels<T> within(Duration labelWindow) {
    return new JoinLabels<>(outcomes, labelWindow, allowedLateness, ordering);
  }

  /**
   * How long after the label window state is kept, to recognise late and duplicate outcomes.
   * Default one hour.
   */
  public JoinLabels<T> withAllowedLateness(Duration lateness) {
    return new JoinLabels<>(outcomes, window, lateness, ordering);
  }

  public JoinLabels<T> withOrdering(Ordering newOrdering) {
    return new JoinLabels<>(outcomes, window, allowedLateness, newOrdering);
  }

  /** Convenience: labels the parsed events of {@code spec} with its outcome rows. */
  public static LabelEvents events(FeatureSpec spec, PCollection<Row> outcomeRows) {
    return new LabelEvents(spec, outcomeRows, null);
  }

  @Override
  public Map<TupleTag<?>, PValue> getAdditionalInputs() {
    return Map.of(new TupleTag<Outcome>("outcomes"), outcomes);
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Result<T> expand(PCollection<KV<String, T>> events) {
    if (window == null) {
      throw new IllegalArgumentException("JoinLabels needs a label window: call within(Duration)");
    }
    LabelWindow rule = LabelWindow.of(window);
    KvCoder<String, T> inputCoder = (KvCoder<String, T>) events.getCoder();
    Coder<T> valueCoder = inputCoder.getValueCoder();
    LabelInput.LabelInputCoder<T> unionCoder = new LabelInput.LabelInputCoder<>(valueCoder);
    KvCoder<String, LabelInput<T>> kvCoder = KvCoder.of(StringUtf8Coder.of(), unionCoder);

    PCollection<KV<String, LabelInput<T>>> fromEvents =
        events
            .apply("EventsGlobalWindow", Window.into(new GlobalWindows()))
            .apply("WrapEvents", ParDo.of(new WrapEventFn<T>()))
            .setCoder(kvCoder);
    PCollection<KV<String, LabelInput<T>>> fromOutcomes =
        outcomes
            .apply("OutcomesGlobalWindow", Window.into(new GlobalWindows()))
            .apply("WrapOutcomes", ParDo.of(new WrapOutcomeFn<T>()))
            .setCoder(kvCoder);
    PCollection<KV<String, LabelInput<T>>> all =
        PCollectionList.of(fromEvents).and(fromOutcomes).apply("Merge", Flatten.pCollections());

    Ordering mode = ordering;
    if (mode == null) {
      mode =
          events.isBounded() == PCollection.IsBounded.BOUNDED
                  && outcomes.isBounded() == PCollection.IsBounded.BOUNDED
              ? Ordering.EVENT_TIME
              : Ordering.ARRIVAL;
    }
    TupleTag<Labeled<T>> labeledTag = (TupleTag) LABELED;
    PCollectionTuple out;
    if (mode == Ordering.EVENT_TIME) {
      out =
          all.apply("GroupById", KeyBuckets.of(KeyBuckets.DEFAULT_BUCKETS))
              .apply(
                  "DecideInEventTimeOrder",
                  ParDo.of(new SortedJoinFn<>(rule, labeledTag))
                      .withOutputTags(labeledTag, TupleTagList.of(DEAD)));
    } else {
      out =
          all.apply(
              "DecideOnArrival",
              ParDo.of(
                      new ArrivalJoinFn<>(
                          rule, allowedLateness.getMillis(), valueCoder, labeledTag))
                  .withOutputTags(labeledTag, TupleTagList.of(DEAD)));
    }
    return new Result<>(
        labeledTag,
        out.get(labeledTag).setCoder(Labeled.LabeledCoder.of(valueCoder)),
        out.get(DEAD).setCoder(DeadLetter.DeadLetterCoder.of()));
  }

  /** Labelled values and the outcomes (or duplicate events) that could not be used. */
  public static final class Result<T> extends WithDeadLetters<Labeled<T>> {
    Result(
        TupleTag<Labeled<T>> tag,
        PCollection<Labeled<T>> labeled,
        PCollection<DeadLetter> deadLetters) {
      super(tag, labeled, DEAD, deadLetters);
    }

    public PCollection<Labeled<T>> labeled() {
      return output();
    }
  }

  /** Counters shared by both paths. */
  static final class LabelCounters {
    private final Counter positives =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "labels_positive");
    private final Counter negatives =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "labels_negative");
    private final Counter timeouts =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "labels_timeout");
    private final DeadLetterCounter unused = new DeadLetterCounter("labels");

    void labeled(Labeled<?> l) {
      (l.positive() ? positives : negatives).inc();
      if (l.timedOut()) {
        timeouts.inc();
      }
    }

    DeadLetter dead(DeadLetterReason reason, String detail, Object payload) {
      unused.count(reason);
      return new DeadLetter(
          "labels", reason, detail, String.valueOf(payload), System.currentTimeMillis());
    }
  }

  static final class WrapEventFn<T> extends DoFn<KV<String, T>, KV<String, LabelInput<T>>> {
    @ProcessElement
    public void process(
        @Element KV<String, T> e,
        @Timestamp Instant time,
        OutputReceiver<KV<String, LabelInput<T>>> out) {
      out.output(KV.of(e.getKey(), LabelInput.event(e.getValue(), time.getMillis())));
    }
  }

  static final class WrapOutcomeFn<T> extends DoFn<Outcome, KV<String, LabelInput<T>>> {
    @ProcessElement
    public void process(@Element Outcome o, OutputReceiver<KV<String, LabelInput<T>>> out) {
      out.output(KV.of(o.eventId(), LabelInput.outcome(o)));
    }
  }

  /** Bounded path: all inputs of one id, decided in time order. */
  static final class SortedJoinFn<T>
      extends DoFn<KV<Integer, Iterable<KV<String, LabelInput<T>>>>, Labeled<T>> {
    private final LabelWindow rule;
    private final TupleTag<Labeled<T>> labeledTag;
    private transient LabelCounters counters;

    SortedJoinFn(LabelWindow rule, TupleTag<Labeled<T>> labeledTag) {
      this.rule = rule;
      this.labeledTag = labeledTag;
    }

    @Setup
    public void setup() {
      counters = new LabelCounters();
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, LabelInput<T>>>> bucket, MultiOutputReceiver out) {
      KeyBuckets.byKey(bucket.getValue()).forEach((id, inputs) -> decide(id, inputs, out));
    }

    /** All inputs of one event id, decided in time order. */
    private void decide(String id, List<LabelInput<T>> inputs, MultiOutputReceiver out) {
      List<LabelInput<T>> events = new ArrayList<>();
      List<Outcome> outcomes = new ArrayList<>();
      for (LabelInput<T> in : inputs) {
        if (in.isEvent()) {
          events.add(in);
        } else {
          outcomes.add(in.outcome());
        }
      }
      events.sort(Comparator.comparingLong(LabelInput::eventTime));
      outcomes.sort(Comparator.comparingLong(Outcome::timeMillis));
      if (events.isEmpty()) {
        for (Outcome o : outcomes) {
          out.get(DEAD)
              .output(
                  counters.dead(
                      DeadLetterReason.ORPHAN_OUTCOME, "no event with id " + o.eventId(), o));
        }
        return;
      }
      LabelInput<T> event = events.get(0);
      for (LabelInput<T> dup : events.subList(1, events.size())) {
        out.get(DEAD)
            .output(
                counters.dead(
                    DeadLetterReason.DUPLICATE_EVENT,
                    "event id " + id + " seen before",
                    dup.event()));
      }
      long t = event.eventTime();
      Labeled<T> label = null;
      for (Outcome o : outcomes) {
        if (label != null) {
          out.get(DEAD)
              .output(
                  counters.dead(
                      DeadLetterReason.DUPLICATE_OUTCOME,
                      "event " + o.eventId() + " is already labelled",
                      o));
        } else if (rule.inTime(t, o.timeMillis())) {
          label = rule.fromOutcome(event.event(), t, o);
        } else {
          out.get(DEAD)
              .output(
                  counters.dead(
                      DeadLetterReason.OUTCOME_AFTER_TIMEOUT, afterTimeout(rule, t, o), o));
        }
      }
      if (label == null) {
        label = rule.timeout(event.event(), t);
      }
      counters.labeled(label);
      out.get(labeledTag).outputWithTimestamp(label, new Instant(label.labelTimeMillis()));
    }
  }

  static String afterTimeout(LabelWindow rule, long eventTime, Outcome o) {
    return "outcome for "
        + o.eventId()
        + " at "
        + new Instant(o.timeMillis())
        + " came after the label window closed at "
        + new Instant(rule.deadline(eventTime))
        + "; the timeout (negative) label stands";
  }

  /**
   * Streaming path: decide as inputs arrive. One state cell per event id ({@link JoinState}) and
   * one timer: set to the deadline while the event is undecided, where it labels a negative, then
   * to the end of the allowed lateness, where the state is dropped (and an outcome that never met
   * its event becomes an {@code ORPHAN_OUTCOME}).
   */
  static final class ArrivalJoinFn<T> extends DoFn<KV<String, LabelInput<T>>, Labeled<T>> {
    private final LabelWindow rule;
    private final long lateness;
    private final TupleTag<Labeled<T>> labeledTag;
    private transient LabelCounters counters;

    @StateId("join")
    private final StateSpec<ValueState<JoinState<T>>> joinSpec;

    @TimerId("timer")
    private final TimerSpec timerSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    ArrivalJoinFn(
        LabelWindow rule, long lateness, Coder<T> valueCoder, TupleTag<Labeled<T>> labeledTag) {
      this.rule = rule;
      this.lateness = lateness;
      this.labeledTag = labeledTag;
      this.joinSpec = StateSpecs.value(new JoinState.JoinStateCoder<>(valueCoder));
    }

    @Setup
    public void setup() {
      counters = new LabelCounters();
    }

    @ProcessElement
    public void process(
        @Element KV<String, LabelInput<T>> element,
        @StateId("join") ValueState<JoinState<T>> state,
        @TimerId("timer") Timer timer,
        MultiOutputReceiver out) {
      LabelInput<T> in = element.getValue();
      JoinState<T> s = state.read();
      if (s == null) {
        s = new JoinState<>();
      }
      if (in.isEvent()) {
        if (s.event != null) {
          out.get(DEAD)
              .output(
                  counters.dead(
                      DeadLetterReason.DUPLICATE_EVENT,
                      "event id " + element.getKey() + " seen before",
                      in.event()));
          return;
        }
        long t = in.eventTime();
        s.event = in.event();
        s.eventTime = t;
        Outcome pending = s.pending;
        if (pending != null) {
          s.pending = null;
          if (rule.inTime(t, pending.timeMillis())) {
            emit(rule.fromOutcome(in.event(), t, pending), out);
            s.decision = JoinState.BY_OUTCOME;
          } else {
            out.get(DEAD)
                .output(
                    counters.dead(
                        DeadLetterReason.OUTCOME_AFTER_TIMEOUT,
                        afterTimeout(rule, t, pending),
                        pending));
          }
        }
        timer.set(
            new Instant(
                s.decision == JoinState.UNDECIDED
                    ? rule.deadline(t)
                    : rule.deadline(t) + lateness));
        state.write(s);
        return;
      }
      Outcome o = in.outcome();
      if (s.event == null) {
        Outcome pending = s.pending;
        if (pending == null || o.timeMillis() < pending.timeMillis()) {
          s.pending = o;
          timer.set(new Instant(rule.deadline(o.timeMillis()) + lateness));
          state.write(s);
        }
        if (pending != null) {
          Outcome dup = o.timeMillis() < pending.timeMillis() ? pending : o;
          out.get(DEAD)
              .output(
                  counters.dead(
                      DeadLetterReason.DUPLICATE_OUTCOME,
                      "a second outcome for " + dup.eventId(),
                      dup));
        }
        return;
      }
      long t = s.eventTime;
      if (s.decision == JoinState.BY_OUTCOME) {
        out.get(DEAD)
            .output(
                counters.dead(
                    DeadLetterReason.DUPLICATE_OUTCOME,
                    "event " + o.eventId() + " is already labelled",
                    o));
      } else if (s.decision == JoinState.BY_TIMEOUT || !rule.inTime(t, o.timeMillis())) {
        out.get(DEAD)
            .output(
                counters.dead(DeadLetterReason.OUTCOME_AFTER_TIMEOUT, afterTimeout(rule, t, o), o));
      } else {
        emit(rule.fromOutcome(s.event, t, o), out);
        s.decision = JoinState.BY_OUTCOME;
        state.write(s);
      }
    }

    @OnTimer("timer")
    public void onTimer(
        OnTimerContext context,
        @StateId("join") ValueState<JoinState<T>> state,
        @TimerId("timer") Timer timer,
        MultiOutputReceiver out) {
      JoinState<T> s = state.read();
      if (s == null) {
        return;
      }
      if (s.event != null) {
        // At the deadline an event still undecided is labelled negative; the state stays until
        // the end of the lateness, to recognise late and duplicate outcomes.
        if (s.decision == JoinState.UNDECIDED) {
          emit(rule.timeout(s.event, s.eventTime), out);
          s.decision = JoinState.BY_TIMEOUT;
        }
        long gcAt = rule.deadline(s.eventTime) + lateness;
        if (context.fireTimestamp().getMillis() < gcAt) {
          timer.set(new Instant(gcAt));
          state.write(s);
          return;
        }
      } else if (s.pending != null) {
        out.get(DEAD)
            .output(
                counters.dead(
                    DeadLetterReason.ORPHAN_OUTCOME,
                    "no event with id " + s.pending.eventId() + " arrived within the label window",
                    s.pending));
      }
      state.clear();
    }

    private void emit(Labeled<T> label, MultiOutputReceiver out) {
      counters.labeled(label);
      out.get(labeledTag).outputWithTimestamp(label, new Instant(label.labelTimeMillis()));
    }
  }

  static final class KeyByIdFn extends DoFn<Row, KV<String, Row>> {
    private final String idField;

    KeyByIdFn(String idField) {
      this.idField = idField;
    }

    @ProcessElement
    public void process(@Element Row event, OutputReceiver<KV<String, Row>> out) {
      out.output(KV.of(event.getString(idField), event));
    }
  }

  /** Keys parsed events by id and converts outcome rows, then joins. */
  public static final class LabelEvents extends PTransform<PCollection<Row>, Result<Row>> {
    private final FeatureSpec spec;
    private final PCollection<Row> outcomeRows;
    private final Ordering ordering;

    LabelEvents(FeatureSpec spec, PCollection<Row> outcomeRows, Ordering ordering) {
      this.spec = spec;
      this.outcomeRows = outcomeRows;
      this.ordering = ordering;
    }

    /** Forces an ordering instead of choosing by boundedness (see {@link JoinLabels}). */
    public LabelEvents withOrdering(Ordering newOrdering) {
      return new LabelEvents(spec, outcomeRows, newOrdering);
    }

    @Override
    public Map<TupleTag<?>, PValue> getAdditionalInputs() {
      return Map.of(new TupleTag<Row>("outcomeRows"), outcomeRows);
    }

    @Override
    public Result<Row> expand(PCollection<Row> events) {
      if (spec.outcomes() == null || spec.labelWindow() == null) {
        throw new IllegalArgumentException(
            "Feature spec '"
                + spec.name()
                + "' declares no outcomes or label window, so there is nothing to join");
      }
      EventSchema eventSchema = spec.events();
      EventSchema outcomeSchema = spec.outcomes();
      String idField = eventSchema.idField();
      PCollection<KV<String, Row>> byId =
          events
              .apply("KeyById", ParDo.of(new KeyByIdFn(idField)))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), events.getCoder()));
      PCollection<Outcome> outcomes =
          outcomeRows
              .apply(
                  "ToOutcomes",
                  MapElements.into(TypeDescriptor.of(Outcome.class))
                      .via((Row r) -> Outcome.fromRow(outcomeSchema, r)))
              .setCoder(Outcome.OutcomeCoder.of());
      return byId.apply(
          "JoinLabels",
          JoinLabels.<Row>withOutcomes(outcomes).within(spec.labelWindow()).withOrdering(ordering));
    }
  }
}
