package dev.freshet.transforms.features;

import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
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
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Events (and, for outcome-derived features, their labels) → events with point-in-time feature
 * vectors, by one {@link FeatureSpec}, for bounded and unbounded input alike.
 *
 * <p><b>Semantics.</b> For an event of key {@code k} at time {@code t}, a windowed feature over
 * {@code W} reads only the events of {@code k} with time in {@code [t - W, t)}, and an
 * outcome-derived feature only the labels of {@code k}'s events that became known in {@code [t - W,
 * t)}. Ties are resolved by the half-open interval: nothing at exactly {@code t} counts, the event
 * itself included, so the order of equal timestamps never matters. The exceptions are the features
 * over the latest labels ({@code LAST_OUTCOME}, count windows), which read labels known at or
 * before {@code t} (never the event's own): in event-time order an outcome's label at {@code t}
 * comes before the events at {@code t} and a timeout's label at {@code t} after them (its timer
 * fires once {@code t} has passed); in arrival order a label counts if it reached the key first. A
 * duplicate event (same id and time) is featurised but not counted twice.
 *
 * <p><b>Ordering.</b> Each entity key is one stage reading the events as they come (not another
 * stage's output), and the stages' columns are assembled per event id. Bounded input is grouped
 * (whole keys in {@link KeyBuckets}) and each key replayed in event-time order; unbounded input is
 * processed per key in arrival order, with state and an event-time timer that drops an idle key's
 * history. Both feed the same arithmetic ({@code KeyFeatures}), so an event log whose per-key
 * arrival order is event-time order gives bit-identical vectors either way. An event arriving out
 * of order sees the entries that arrived before it (never later ones, so there is no leakage);
 * entries older than the longest window plus {@link #withAllowedLateness allowed lateness} are
 * evicted, which bounds state per key. With {@link #withStages withStages(CHAINED)} the unbounded
 * path passes each event through the keys' stages one after another instead ({@link ChainedStages},
 * which says what order each stage then sees).
 *
 * <p>The output is in the global window, stamped with event time.
 *
 * <pre>{@code
 * PCollection<FeaturedEvent> featured =
 *     events.apply("ExtractFeatures", ExtractFeatures.of(spec).withLabels(labeled));
 * }</pre>
 */
public final class ExtractFeatures
    extends PTransform<PCollection<Row>, PCollection<FeaturedEvent>> {
  /** How each entity key's inputs are ordered before the arithmetic. */
  public enum Ordering {
    /** Bounded input: group per key and sort by event time (the default for bounded input). */
    EVENT_TIME,
    /** Process in arrival order with per-key state (the default for unbounded input). */
    ARRIVAL
  }

  /** How the arrival-order path passes an event through the entity keys' stages. */
  public enum Stages {
    /**
     * Every key's stage reads the events as they come, and the parts (the event-local one and one
     * per key) are assembled per event id: about two records per key and event cross a keyed
     * exchange.
     */
    FAN_OUT,
    /**
     * The event goes through the keys' stages one after another, each appending its columns to the
     * vector it carries ({@link ChainedStages}): one record per key and event, no assembly.
     */
    CHAINED
  }

  private static final Duration DEFAULT_LATENESS = Duration.standardMinutes(10);

  private final FeatureSpec spec;
  private final PCollection<Labeled<Row>> labels;
  private final Duration allowedLateness;
  private final Ordering ordering;
  private final Stages stages;

  private ExtractFeatures(
      FeatureSpec spec,
      PCollection<Labeled<Row>> labels,
      Duration allowedLateness,
      Ordering ordering,
      Stages stages) {
    this.spec = spec;
    this.labels = labels;
    this.allowedLateness = allowedLateness;
    this.ordering = ordering;
    this.stages = stages;
  }

  public static ExtractFeatures of(FeatureSpec spec) {
    return new ExtractFeatures(spec, null, DEFAULT_LATENESS, null, Stages.FAN_OUT);
  }

  /** The labelled events that outcome-derived features read (from {@code JoinLabels}). */
  public ExtractFeatures withLabels(PCollection<Labeled<Row>> labeledEvents) {
    return new ExtractFeatures(spec, labeledEvents, allowedLateness, ordering, stages);
  }

  /**
   * How late (in event time, behind the newest event of its key) an event may arrive and still see
   * a complete window. Longer keeps more history per key. Default 10 minutes.
   */
  public ExtractFeatures withAllowedLateness(Duration lateness) {
    return new ExtractFeatures(spec, labels, lateness, ordering, stages);
  }

  /**
   * Forces an ordering instead of choosing by boundedness: {@link Ordering#ARRIVAL} on a bounded
   * log replays the streaming path (as the skew check does).
   */
  public ExtractFeatures withOrdering(Ordering newOrdering) {
    return new ExtractFeatures(spec, labels, allowedLateness, newOrdering, stages);
  }

  /**
   * How the arrival-order path lays out the entity keys' stages (default {@link Stages#FAN_OUT});
   * the event-time path always fans out. Both give the same vectors for the same per-key order.
   */
  public ExtractFeatures withStages(Stages newStages) {
    return new ExtractFeatures(spec, labels, allowedLateness, ordering, newStages);
  }

  @Override
  public Map<TupleTag<?>, PValue> getAdditionalInputs() {
    return labels == null ? Map.of() : Map.of(new TupleTag<Labeled<Row>>("labels"), labels);
  }

  @Override
  public PCollection<FeaturedEvent> expand(PCollection<Row> events) {
    if (spec.hasOutcomeFeatures() && labels == null) {
      throw new IllegalArgumentException(
          "Feature spec '"
              + spec.name()
              + "' has outcome-derived features, so ExtractFeatures needs the labelled events:"
              + " call withLabels(...) with the output of JoinLabels");
    }
    if (allowedLateness == null || allowedLateness.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("allowedLateness must be zero or positive");
    }
    Ordering mode = ordering;
    if (mode == null) {
      mode =
          events.isBounded() == PCollection.IsBounded.BOUNDED
              ? Ordering.EVENT_TIME
              : Ordering.ARRIVAL;
    }
    if (stages == null) {
      throw new IllegalArgumentException("stages must be FAN_OUT or CHAINED");
    }
    if (mode == Ordering.EVENT_TIME && events.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      throw new IllegalArgumentException(
          "Ordering.EVENT_TIME needs bounded input; unbounded events are processed in arrival order");
    }
    Coder<Row> rowCoder = SchemaCoder.of(spec.events().beamSchema());
    KvCoder<String, Part> partCoder =
        KvCoder.of(StringUtf8Coder.of(), new Part.PartCoder(rowCoder));

    PCollection<Row> global =
        events.apply("GlobalWindow", Window.<Row>into(new GlobalWindows())).setCoder(rowCoder);
    PCollection<Labeled<Row>> globalLabels =
        labels == null
            ? null
            : labels.apply("GlobalWindowLabels", Window.<Labeled<Row>>into(new GlobalWindows()));

    List<KeyFeatures> plans = KeyFeatures.plan(spec, allowedLateness.getMillis());
    if (mode == Ordering.ARRIVAL && stages == Stages.CHAINED) {
      return ChainedStages.expand(spec, plans, rowCoder, global, globalLabels);
    }

    // One step routes every event to each entity key's stage (and the base part straight to
    // assembly); every stage reads the events as they arrive, not another stage's output, so each
    // sees the source's per-key order. One keyed step holds all the stages: its keys are (stage,
    // entity value) pairs. The parts are then assembled per event id.
    KvCoder<String, StageInput> stageCoder =
        KvCoder.of(StringUtf8Coder.of(), new StageInput.StageInputCoder());
    PCollectionTuple routed =
        global.apply(
            "RouteEvents",
            ParDo.of(new RouteEventsFn(spec, plans))
                .withOutputTags(PARTS, TupleTagList.of(STAGE_INPUTS)));
    PCollectionList<KV<String, StageInput>> inputs =
        PCollectionList.of(routed.get(STAGE_INPUTS).setCoder(stageCoder));
    if (globalLabels != null && plans.stream().anyMatch(KeyFeatures::usesLabels)) {
      inputs =
          inputs.and(
              globalLabels
                  .apply("RouteLabels", ParDo.of(new RouteLabelsFn(spec, plans)))
                  .setCoder(stageCoder));
    }
    PCollection<KV<String, StageInput>> stageInputs =
        inputs.apply("AllStageInputs", Flatten.pCollections());
    int size = spec.size();
    PCollection<KV<String, Part>> computed;
    if (mode == Ordering.EVENT_TIME) {
      computed =
          stageInputs
              .apply("GroupByEntity", KeyBuckets.of(KeyBuckets.DEFAULT_BUCKETS))
              .apply("EntitiesInEventTimeOrder", ParDo.of(new SortedKeyFn(plans, size)));
    } else {
      computed =
          stageInputs.apply("EntitiesInArrivalOrder", ParDo.of(new ArrivalKeyFn(plans, size)));
    }
    PCollection<KV<String, Part>> all =
        PCollectionList.of(routed.get(PARTS).setCoder(partCoder))
            .and(computed.setCoder(partCoder))
            .apply("AllParts", Flatten.pCollections());
    VectorAssembly assembly = new VectorAssembly(plans, spec.fingerprint64());
    FeaturedEvent.FeaturedEventCoder coder = FeaturedEvent.FeaturedEventCoder.of(spec);
    if (mode == Ordering.EVENT_TIME) {
      return all.apply("GroupParts", KeyBuckets.of(KeyBuckets.DEFAULT_BUCKETS))
          .apply("Assemble", ParDo.of(new AssembleGroupedFn(assembly, spec.events().timeField())))
          .setCoder(coder);
    }
    return all.apply("Assemble", ParDo.of(new AssembleFn(assembly, rowCoder))).setCoder(coder);
  }

  private static final TupleTag<KV<String, Part>> PARTS = new TupleTag<>() {};
  private static final TupleTag<KV<String, StageInput>> STAGE_INPUTS = new TupleTag<>() {};

  /**
   * The key of entity {@code value} in stage {@code stage}: the stage's index as one character,
   * then the value, so that one keyed step can hold every stage's entities apart.
   */
  static String stageKey(int stage, String value) {
    return (char) stage + value;
  }

  /** The stage index of a {@link #stageKey}. */
  static int stageOf(String stageKey) {
    return stageKey.charAt(0);
  }

  /**
   * Routes each event: its base part (event-local features) to assembly, and for every entity key
   * either its projected values to that key's stage or, with no value for the key, the key's
   * missing-value part to assembly.
   */
  static final class RouteEventsFn extends DoFn<Row, KV<String, Part>> {
    private final EventFeatures features;
    private final List<KeyFeatures> plans;
    private final String idField;
    private final String timeField;
    private final int size;

    RouteEventsFn(FeatureSpec spec, List<KeyFeatures> plans) {
      this.features = new EventFeatures(spec);
      this.plans = plans;
      this.idField = spec.events().idField();
      this.timeField = spec.events().timeField();
      this.size = spec.size();
    }

    @ProcessElement
    public void process(@Element Row event, MultiOutputReceiver out) {
      String id = event.getString(idField);
      OutputReceiver<KV<String, Part>> parts = out.get(PARTS);
      parts.output(KV.of(id, new Part(Part.BASE, event, features.compute(event))));
      long time = event.getDateTime(timeField).getMillis();
      long tie = StableHash.of(id);
      for (int stage = 0; stage < plans.size(); stage++) {
        KeyFeatures plan = plans.get(stage);
        String key = plan.keyOf(event);
        if (key == null) {
          float[] f = new float[size];
          plan.fillMissing(f);
          parts.output(KV.of(id, new Part(stage, null, f)));
        } else {
          out.get(STAGE_INPUTS)
              .output(
                  KV.of(
                      stageKey(stage, key),
                      StageInput.event(
                          time, tie, id, plan.numericValues(event), plan.hashedValues(event))));
        }
      }
    }
  }

  /** Routes a label to the stage of every entity key whose features read labels. */
  static final class RouteLabelsFn extends DoFn<Labeled<Row>, KV<String, StageInput>> {
    private final List<KeyFeatures> plans;
    private final String idField;

    RouteLabelsFn(FeatureSpec spec, List<KeyFeatures> plans) {
      this.plans = plans;
      this.idField = spec.events().idField();
    }

    @ProcessElement
    public void process(@Element Labeled<Row> l, OutputReceiver<KV<String, StageInput>> out) {
      long tie = StableHash.of(l.value().getString(idField));
      for (int stage = 0; stage < plans.size(); stage++) {
        KeyFeatures plan = plans.get(stage);
        String key = plan.usesLabels() ? plan.keyOf(l.value()) : null;
        if (key != null) {
          out.output(
              KV.of(
                  stageKey(stage, key),
                  StageInput.label(l.labelTimeMillis(), tie, l.label(), l.timedOut())));
        }
      }
    }
  }

  /** Shared by the stage DoFns: computes one event's columns into a new part. */
  private static KV<String, Part> computePart(
      KeyFeatures plan, int stage, int size, EntityHistory history, StageInput in) {
    float[] f = new float[size];
    plan.onEvent(history, in.time(), in.tie(), in.values(), in.hashes(), f);
    return KV.of(in.id(), new Part(stage, null, f));
  }

  /** Bounded path: each entity's whole history (of its stage), replayed in event-time order. */
  static final class SortedKeyFn
      extends DoFn<KV<Integer, Iterable<KV<String, StageInput>>>, KV<String, Part>> {
    /** Event time; at equal times outcomes' labels, events, timeouts' labels; then id hash. */
    private static final Comparator<StageInput> ORDER =
        Comparator.comparingLong(StageInput::time)
            .thenComparingInt(StageInput::phase)
            .thenComparingLong(StageInput::tie);

    private final List<KeyFeatures> plans;
    private final int size;

    SortedKeyFn(List<KeyFeatures> plans, int size) {
      this.plans = plans;
      this.size = size;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, StageInput>>> bucket,
        OutputReceiver<KV<String, Part>> out) {
      for (Map.Entry<String, List<StageInput>> entity :
          KeyBuckets.byKey(bucket.getValue()).entrySet()) {
        int stage = stageOf(entity.getKey());
        KeyFeatures plan = plans.get(stage);
        List<StageInput> inputs = entity.getValue();
        inputs.sort(ORDER);
        EntityHistory history = plan.newHistory();
        for (StageInput in : inputs) {
          if (in.isEvent()) {
            out.outputWithTimestamp(
                computePart(plan, stage, size, history, in), new Instant(in.time()));
          } else {
            plan.onLabel(history, in.time(), in.tie(), in.label());
          }
        }
      }
    }
  }

  /**
   * Unbounded path: per-entity state (of its stage) in arrival order; a timer drops the history of
   * an idle entity.
   */
  static final class ArrivalKeyFn extends DoFn<KV<String, StageInput>, KV<String, Part>> {
    private final List<KeyFeatures> plans;
    private final int size;
    private final Counter expired =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "feature_keys_expired");

    @StateId("history")
    private final StateSpec<ValueState<EntityHistory>> historySpec =
        StateSpecs.value(new EntityHistory.Coder());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    ArrivalKeyFn(List<KeyFeatures> plans, int size) {
      this.plans = plans;
      this.size = size;
    }

    @ProcessElement
    public void process(
        @Element KV<String, StageInput> element,
        @StateId("history") ValueState<EntityHistory> state,
        @TimerId("expire") Timer expire,
        OutputReceiver<KV<String, Part>> out) {
      int stage = stageOf(element.getKey());
      KeyFeatures plan = plans.get(stage);
      EntityHistory history = state.read();
      if (history == null) {
        history = plan.newHistory();
      }
      StageInput in = element.getValue();
      if (in.isEvent()) {
        out.output(computePart(plan, stage, size, history, in));
      } else {
        plan.onLabel(history, in.time(), in.tie(), in.label());
      }
      scheduleExpiry(plan, history, expire);
      state.write(history);
    }

    @OnTimer("expire")
    public void onExpire(@StateId("history") ValueState<EntityHistory> state) {
      state.clear();
      expired.inc();
    }
  }

  /**
   * Sets the timer that drops an idle entity's history, once its retention has passed after its
   * newest input. Resetting a timer per input is costly; it moves forward in steps of 1/8 of the
   * retention (at least a minute).
   */
  static void scheduleExpiry(KeyFeatures plan, EntityHistory history, Timer expire) {
    long newest = Math.max(history.events.maxTime(), history.labels.maxTime());
    long needed = newest + plan.retentionMillis();
    if (needed > history.expiryAt) {
      long step = Math.max(60_000L, plan.retentionMillis() / 8);
      history.expiryAt = Math.floorDiv(needed, step) * step + step;
      expire.set(new Instant(history.expiryAt));
    }
  }

  /** Bounded assembly: all parts of one event id (several copies for a duplicated event). */
  static final class AssembleGroupedFn
      extends DoFn<KV<Integer, Iterable<KV<String, Part>>>, FeaturedEvent> {
    private final VectorAssembly assembly;
    private final String timeField;

    AssembleGroupedFn(VectorAssembly assembly, String timeField) {
      this.assembly = assembly;
      this.timeField = timeField;
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<String, Part>>> bucket,
        OutputReceiver<FeaturedEvent> out) {
      for (List<Part> parts : KeyBuckets.byKey(bucket.getValue()).values()) {
        VectorAssembly.InProgress p = assembly.start();
        for (Part part : parts) {
          FeaturedEvent done = assembly.add(p, part);
          if (done != null) {
            out.outputWithTimestamp(done, done.event().getDateTime(timeField).toInstant());
          }
        }
      }
    }
  }

  /** Streaming assembly: emits an event as soon as its last part arrives. */
  static final class AssembleFn extends DoFn<KV<String, Part>, FeaturedEvent> {
    private final VectorAssembly assembly;

    @StateId("vector")
    private final StateSpec<ValueState<VectorAssembly.InProgress>> vectorSpec;

    AssembleFn(VectorAssembly assembly, Coder<Row> rowCoder) {
      this.assembly = assembly;
      this.vectorSpec = StateSpecs.value(new InProgressCoder(rowCoder));
    }

    @ProcessElement
    public void process(
        @Element KV<String, Part> element,
        @StateId("vector") ValueState<VectorAssembly.InProgress> state,
        OutputReceiver<FeaturedEvent> out) {
      VectorAssembly.InProgress p = state.read();
      if (p == null) {
        p = assembly.start();
      }
      FeaturedEvent done = assembly.add(p, element.getValue());
      if (done != null) {
        out.output(done);
      }
      if (p.isEmpty()) {
        state.clear();
      } else {
        state.write(p);
      }
    }
  }

  static final class InProgressCoder extends CustomCoder<VectorAssembly.InProgress> {
    private final Part.PartCoder parts;

    InProgressCoder(Coder<Row> rowCoder) {
      this.parts = new Part.PartCoder(rowCoder);
    }

    @Override
    public void encode(VectorAssembly.InProgress value, OutputStream out) throws IOException {
      VarIntCoder.of().encode(value.pending.length, out);
      for (int count : value.pending) {
        VarIntCoder.of().encode(count, out);
      }
      float[] f = value.features == null ? new float[0] : value.features;
      parts.encode(new Part(Part.BASE, value.event, f), out);
    }

    @Override
    public VectorAssembly.InProgress decode(InputStream in) throws IOException {
      VectorAssembly.InProgress p = new VectorAssembly.InProgress();
      p.pending = new int[VarIntCoder.of().decode(in)];
      for (int s = 0; s < p.pending.length; s++) {
        p.pending[s] = VarIntCoder.of().decode(in);
      }
      Part part = parts.decode(in);
      p.event = part.event;
      p.features = part.features.length == 0 ? null : part.features;
      return p;
    }
  }
}
