package dev.freshet.transforms.features;

import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.labels.Labeled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
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
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The arrival-order path with the entity keys' stages in a chain ({@link
 * ExtractFeatures.Stages#CHAINED}): an event gets its event-local features, then is keyed by its
 * first entity key, whose stage appends that key's columns and keys it by the next, and so on; the
 * last stage emits the finished vector. Each keyed exchange carries the event and its vector so
 * far, so there are no parts and no assembly by event id: an event crosses one keyed exchange per
 * entity key. An event whose key field is null still passes through that stage, keyed by its id,
 * and gets the key's missing values without touching state; so every event takes the one path, the
 * last stage's output is the only output, and Flink chains what follows (scoring) to it. Labels go
 * straight to the stages of the keys that read them.
 *
 * <p><b>Order.</b> A stage sees its keys' events in the order the step before it emitted them, not
 * in the source's order. The chain starts with the global keys ({@link #inChainOrder}): a global
 * key's stage reads the events as they come, as in the fan-out layout, and the stage after it gets
 * every event from that one key, so it sees each of its keys' events in that same order, at any
 * parallelism. From the third stage on (rider, device after card in the fraud spec), a key's events
 * come from several keys of the stage before: with one subtask per stage (serve's default on Flink)
 * every exchange is first in, first out, so the order is still the source's; with several subtasks,
 * or on the direct runner (which runs every key's bundle on its own), two events of one rider that
 * passed through different cards can swap, as events of one rider from different source partitions
 * already can in the fan-out layout. A swapped event stays point in time: it reads only entries
 * before its own time ({@code [t - W, t)}), and a key keeps its entries back to the longest window
 * plus the allowed lateness behind its newest event, so an event at most the allowed lateness
 * behind sees every entry of its window that reached the key before it. The cost is that the event
 * which overtook it never counts it, as for any late event in arrival order: a divergence from the
 * bounded path that the skew check measures, never leakage. Labels reach a stage on their own
 * channel, so whether a label counts for an event depends on which reached the key first, as in the
 * fan-out layout (an event reaches later stages a little later in a chain).
 */
final class ChainedStages {
  private ChainedStages() {}

  /** The chain over {@code plans} for {@code events}, with {@code labels} (may be null). */
  static PCollection<FeaturedEvent> expand(
      FeatureSpec spec,
      List<KeyFeatures> keyPlans,
      Coder<Row> rowCoder,
      PCollection<Row> events,
      PCollection<Labeled<Row>> labels) {
    List<KeyFeatures> plans = inChainOrder(keyPlans);
    int n = plans.size();
    List<TupleTag<KV<String, Link>>> toStage = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      toStage.add(new TupleTag<>("stage" + k));
    }
    KvCoder<String, Link> linkCoder =
        KvCoder.of(StringUtf8Coder.of(), new Link.LinkCoder(rowCoder));
    FeaturedEvent.FeaturedEventCoder featuredCoder = FeaturedEvent.FeaturedEventCoder.of(spec);
    Forward forward = new Forward(spec, plans, toStage);

    // A straight line: each step has one output that is read (the next stage's input, or the
    // finished vectors after the last), so Flink can chain scoring to the last stage.
    PCollectionTuple step =
        events.apply(
            "StartChain",
            ParDo.of(new StartChainFn(spec, forward))
                .withOutputTags(
                    DONE, TupleTagList.of(new ArrayList<>(toStage.subList(0, n > 0 ? 1 : 0)))));
    PCollectionTuple routedLabels = null;
    if (labels != null && plans.stream().anyMatch(KeyFeatures::usesLabels)) {
      routedLabels =
          labels.apply(
              "RouteLabelsToChain",
              ParDo.of(new RouteLabelsFn(spec, plans, toStage))
                  .withOutputTags(
                      toStage.get(0), TupleTagList.of(new ArrayList<>(toStage.subList(1, n)))));
      for (TupleTag<KV<String, Link>> tag : toStage) {
        routedLabels.get(tag).setCoder(linkCoder);
      }
    }
    for (int k = 0; k < n; k++) {
      step.get(DONE).setCoder(featuredCoder);
      PCollection<KV<String, Link>> input = step.get(toStage.get(k)).setCoder(linkCoder);
      String name = plans.get(k).key().name();
      if (routedLabels != null && plans.get(k).usesLabels()) {
        input =
            PCollectionList.of(input)
                .and(routedLabels.get(toStage.get(k)))
                .apply("WithLabels-" + name, Flatten.pCollections())
                .setCoder(linkCoder);
      }
      step =
          input.apply(
              "Stage-" + name,
              ParDo.of(new StageFn(k, plans.get(k), forward))
                  .withOutputTags(
                      DONE,
                      TupleTagList.of(
                          new ArrayList<>(toStage.subList(k + 1, Math.min(k + 2, n))))));
    }
    return step.get(DONE).setCoder(featuredCoder);
  }

  private static final TupleTag<FeaturedEvent> DONE = new TupleTag<>("done");

  /**
   * The global keys first, then the others in the spec's order. A global key has one value, so its
   * stage sees every event in the source's order and hands them on in that order; the stage after
   * it then gets each of its keys' events from that one key, first in, first out, whatever the
   * parallelism. Only the stages after that can see two events of one key swapped.
   */
  static List<KeyFeatures> inChainOrder(List<KeyFeatures> plans) {
    List<KeyFeatures> chain = new ArrayList<>();
    plans.stream().filter(p -> p.key().isGlobal()).forEach(chain::add);
    plans.stream().filter(p -> !p.key().isGlobal()).forEach(chain::add);
    return chain;
  }

  /**
   * What one stage of the chain receives: an event with its vector so far (the columns of the
   * stages before it set), which has a value for the stage's key or passes through without one, or
   * a label for one of the key's events.
   */
  static final class Link {
    private static final int EVENT = 0;
    private static final int LABEL = 1;
    private static final int PASSING = 2;

    final int kind;
    final Row event;
    final float[] features;
    final StageInput label;

    private Link(int kind, Row event, float[] features, StageInput label) {
      this.kind = kind;
      this.event = event;
      this.features = features;
      this.label = label;
    }

    static Link event(Row event, float[] features) {
      return new Link(EVENT, event, features, null);
    }

    /** An event whose field for the stage's key is null: keyed by its id, it reads no state. */
    static Link passing(Row event, float[] features) {
      return new Link(PASSING, event, features, null);
    }

    static Link label(StageInput label) {
      return new Link(LABEL, null, null, label);
    }

    static final class LinkCoder extends CustomCoder<Link> {
      private final Coder<Row> rowCoder;
      private final StageInput.StageInputCoder labelCoder = new StageInput.StageInputCoder();

      LinkCoder(Coder<Row> rowCoder) {
        this.rowCoder = rowCoder;
      }

      @Override
      public void encode(Link value, OutputStream out) throws IOException {
        out.write(value.kind);
        if (value.kind == LABEL) {
          labelCoder.encode(value.label, out);
        } else {
          rowCoder.encode(value.event, out);
          FloatArrays.encode(value.features, out);
        }
      }

      @Override
      public Link decode(InputStream in) throws IOException {
        int kind = in.read();
        if (kind == LABEL) {
          return label(labelCoder.decode(in));
        }
        if (kind != EVENT && kind != PASSING) {
          throw new IOException("not a chain link: " + kind);
        }
        Row event = rowCoder.decode(in);
        return new Link(kind, event, FloatArrays.decode(in), null);
      }

      @Override
      public List<? extends Coder<?>> getCoderArguments() {
        return List.of(rowCoder);
      }

      @Override
      public void verifyDeterministic() throws NonDeterministicException {
        rowCoder.verifyDeterministic();
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof LinkCoder other && rowCoder.equals(other.rowCoder);
      }

      @Override
      public int hashCode() {
        return rowCoder.hashCode();
      }
    }
  }

  /**
   * Sends an event to stage {@code k}, keyed by its value of that stage's key (by its id when the
   * value is null), or after the last stage out as a finished vector.
   */
  static final class Forward implements Serializable {
    private final List<KeyFeatures> plans;
    private final List<TupleTag<KV<String, Link>>> toStage;
    private final long fingerprint;
    private final String idField;
    private final String timeField;

    Forward(FeatureSpec spec, List<KeyFeatures> plans, List<TupleTag<KV<String, Link>>> toStage) {
      this.plans = plans;
      this.toStage = toStage;
      this.fingerprint = spec.fingerprint64();
      this.idField = spec.events().idField();
      this.timeField = spec.events().timeField();
    }

    long timeOf(Row event) {
      return event.getDateTime(timeField).getMillis();
    }

    /** Orders equal times, as in the fan-out layout: a stable hash of the event id. */
    long tieOf(Row event) {
      return StableHash.of(event.getString(idField));
    }

    void send(Row event, float[] features, int k, DoFn.MultiOutputReceiver out) {
      if (k == plans.size()) {
        out.get(DONE).output(new FeaturedEvent(event, features, fingerprint));
        return;
      }
      String key = plans.get(k).keyOf(event);
      out.get(toStage.get(k))
          .output(
              key == null
                  ? KV.of(event.getString(idField), Link.passing(event, features))
                  : KV.of(key, Link.event(event, features)));
    }
  }

  /** The event-local features, then on to the first stage. */
  static final class StartChainFn extends DoFn<Row, FeaturedEvent> {
    private final EventFeatures features;
    private final Forward forward;

    StartChainFn(FeatureSpec spec, Forward forward) {
      this.features = new EventFeatures(spec);
      this.forward = forward;
    }

    @ProcessElement
    public void process(@Element Row event, MultiOutputReceiver out) {
      forward.send(event, features.compute(event), 0, out);
    }
  }

  /** Sends a label to the stage of every entity key whose features read labels. */
  static final class RouteLabelsFn extends DoFn<Labeled<Row>, KV<String, Link>> {
    private final List<KeyFeatures> plans;
    private final List<TupleTag<KV<String, Link>>> toStage;
    private final String idField;

    RouteLabelsFn(
        FeatureSpec spec, List<KeyFeatures> plans, List<TupleTag<KV<String, Link>>> toStage) {
      this.plans = plans;
      this.toStage = toStage;
      this.idField = spec.events().idField();
    }

    @ProcessElement
    public void process(@Element Labeled<Row> l, MultiOutputReceiver out) {
      long tie = StableHash.of(l.value().getString(idField));
      for (int k = 0; k < plans.size(); k++) {
        KeyFeatures plan = plans.get(k);
        String key = plan.usesLabels() ? plan.keyOf(l.value()) : null;
        if (key != null) {
          StageInput label = StageInput.label(l.labelTimeMillis(), tie, l.label(), l.timedOut());
          out.get(toStage.get(k)).output(KV.of(key, Link.label(label)));
        }
      }
    }
  }

  /**
   * One entity key's stage: per entity value, state in arrival order; appends the key's columns to
   * the event's vector and sends it on. A timer drops the history of an idle entity.
   */
  static final class StageFn extends DoFn<KV<String, Link>, FeaturedEvent> {
    private final KeyFeatures plan;
    private final int stage;
    private final Forward forward;
    private final Counter expired =
        Metrics.counter(ParseEvents.METRICS_NAMESPACE, "feature_keys_expired");

    @StateId("history")
    private final StateSpec<ValueState<EntityHistory>> historySpec =
        StateSpecs.value(new EntityHistory.Coder());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    StageFn(int stage, KeyFeatures plan, Forward forward) {
      this.stage = stage;
      this.plan = plan;
      this.forward = forward;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Link> element,
        @StateId("history") ValueState<EntityHistory> state,
        @TimerId("expire") Timer expire,
        MultiOutputReceiver out) {
      Link in = element.getValue();
      if (in.kind == Link.PASSING) {
        float[] features = in.features.clone();
        plan.fillMissing(features);
        forward.send(in.event, features, stage + 1, out);
        return;
      }
      EntityHistory history = state.read();
      if (history == null) {
        history = plan.newHistory();
      }
      if (in.kind == Link.EVENT) {
        Row event = in.event;
        // The input must not be modified: the columns go into a copy.
        float[] features = in.features.clone();
        plan.onEvent(
            history,
            forward.timeOf(event),
            forward.tieOf(event),
            plan.numericValues(event),
            plan.hashedValues(event),
            features);
        forward.send(event, features, stage + 1, out);
      } else {
        StageInput label = in.label;
        plan.onLabel(history, label.time(), label.tie(), label.label());
      }
      ExtractFeatures.scheduleExpiry(plan, history, expire);
      state.write(history);
    }

    @OnTimer("expire")
    public void onExpire(@StateId("history") ValueState<EntityHistory> state) {
      state.clear();
      expired.inc();
    }
  }
}
