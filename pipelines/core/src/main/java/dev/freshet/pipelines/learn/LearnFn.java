package dev.freshet.pipelines.learn;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.examples.Example;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.features.FeatureSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds labelled examples ({@link Example}s, each timestamped with its label time) to the {@link
 * CandidateLearner} <em>in label-time order</em>, in micro-batches, and emits its gate decisions as
 * model events keyed by version.
 *
 * <p>Why the order matters: a candidate records the newest label time it learnt, and a job started
 * anew skips re-read examples labelled at or before it. That is exact only if every example
 * labelled up to that time was learnt first. Labels do not arrive in that order (a chargeback is
 * labelled when it comes, a timeout when the slowest partition's watermark passes), so examples
 * wait in state until the watermark passes their label time (an event-time timer, {@value
 * #RELEASE_STEP_MINUTES} minute steps of label time), and are then released in order of label time
 * and learnt in micro-batches of {@code microBatchSize} (a batch never splits examples with equal
 * label times). Released examples short of a micro-batch are learnt after {@code maxWait} without
 * more (a processing-time timer). Learning inside this stateful step keeps the order on every
 * runner. An example whose label time the watermark had already released arrives <em>late</em>
 * (counted, logged, learnt at once); a restored job therefore does not skip by label time but
 * resumes from its checkpoint's base version (below).
 *
 * <p>Every example carries the same key, so one worker owns the learner at a time; its DoFn
 * instances in that JVM share one learner per pipeline run (the direct runner may create several
 * instances). A worker that takes the key over (a moved key, a restored job) resumes from the base
 * version kept in state and learns again the examples kept since it.
 */
final class LearnFn extends DoFn<KV<String, Example>, KV<String, String>> {
  private static final Logger LOG = LoggerFactory.getLogger(LearnFn.class);

  /** Label time released per step of the event-time timer. */
  static final long RELEASE_STEP_MINUTES = 1;

  /**
   * At most this many examples learnt since the last registered candidate are kept for a restart
   * (some 10 MB of state); beyond it a restart loses the rest (a warning says so).
   */
  static final long MAX_KEPT = 100_000;

  private static final long STEP_MILLIS =
      Duration.standardMinutes(RELEASE_STEP_MINUTES).getMillis();

  /** Learner setup that travels with the DoFn. */
  record Config(
      String runId,
      String registry,
      FeatureSpec spec,
      CandidateLearner.Settings settings,
      int microBatchSize,
      long maxWaitSeconds)
      implements java.io.Serializable {}

  private final Config config;
  private final Counter trained = Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_examples");
  private final Counter skipped =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_examples_seen_before");
  private final Counter late =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_examples_late");
  private final Counter batches =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_micro_batches");
  private final Counter accepted =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_candidates_registered");
  private final Counter rejected =
      Metrics.counter(ParseEvents.METRICS_NAMESPACE, "learn_candidates_rejected");

  /** Examples whose label time the watermark has not passed yet. */
  @StateId("waiting")
  private final StateSpec<BagState<Example>> waitingSpec =
      StateSpecs.bag(Example.ExampleCoder.of());

  /** Released examples, in label-time order, short of a micro-batch. */
  @StateId("ready")
  private final StateSpec<BagState<Example>> readySpec = StateSpecs.bag(Example.ExampleCoder.of());

  /**
   * Examples learnt since the learner's base version (its latest registered candidate): the working
   * copy that holds them lives in memory only, so a learner that starts again after a restore
   * learns them first (those labelled after the base version; see {@link #learn}).
   */
  @StateId("sinceBase")
  private final StateSpec<BagState<Example>> sinceBaseSpec =
      StateSpecs.bag(Example.ExampleCoder.of());

  /** How many examples {@code sinceBase} holds. */
  @StateId("sinceBaseCount")
  private final StateSpec<ValueState<Long>> sinceBaseCountSpec =
      StateSpecs.value(VarLongCoder.of());

  /**
   * The version the learner's copy descended from after its last micro-batch: where a learner
   * restored from a checkpoint resumes (none in a job started anew).
   */
  @StateId("base")
  private final StateSpec<ValueState<String>> baseSpec = StateSpecs.value(StringUtf8Coder.of());

  /** The label time the release timer is set for (none when nothing waits). */
  @StateId("releaseAt")
  private final StateSpec<ValueState<Long>> releaseAtSpec = StateSpecs.value(VarLongCoder.of());

  /** The label time up to which examples were released (the watermark had passed it). */
  @StateId("releasedUpTo")
  private final StateSpec<ValueState<Long>> releasedUpToSpec = StateSpecs.value(VarLongCoder.of());

  @TimerId("release")
  private final TimerSpec releaseSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  @TimerId("flush")
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  private transient CandidateLearner learner;

  /** Late examples this DoFn instance saw (for its warnings: the 1st, 2nd, 4th, 8th, ...). */
  private transient long lateSeen;

  LearnFn(Config config) {
    this.config = config;
  }

  @Setup
  public void setup() throws Exception {
    learner =
        SharedInstances.acquire(
            "learner-" + config.runId(),
            () ->
                CandidateLearner.start(
                    ModelRegistry.at(config.registry()),
                    config.spec().fingerprint(),
                    config.settings(),
                    SmokeTestSet.read(config.registry(), config.spec())));
  }

  @ProcessElement
  public void process(
      @Element KV<String, Example> example,
      @Timestamp Instant labelTime,
      @StateId("waiting") BagState<Example> waiting,
      @StateId("releaseAt") ValueState<Long> releaseAt,
      @StateId("releasedUpTo") ValueState<Long> releasedUpTo,
      @TimerId("release") Timer release) {
    Long released = releasedUpTo.read();
    if (released != null && labelTime.getMillis() <= released) {
      lateExample(example.getValue(), released);
    }
    waiting.add(example.getValue());
    long step = stepEnd(labelTime.getMillis());
    Long current = releaseAt.read();
    if (current == null || step < current) {
      release.set(new Instant(step));
      releaseAt.write(step);
    }
  }

  /**
   * The watermark passed {@code timer}: the examples labelled up to it are all here. Moves them, in
   * label-time order, behind those already released, learns every full micro-batch, and sets the
   * timer for the next waiting example.
   */
  @OnTimer("release")
  public void onRelease(
      OnTimerContext context,
      @StateId("waiting") BagState<Example> waiting,
      @StateId("ready") BagState<Example> ready,
      @StateId("releaseAt") ValueState<Long> releaseAt,
      @StateId("releasedUpTo") ValueState<Long> releasedUpTo,
      @TimerId("release") Timer release,
      @TimerId("flush") Timer flush,
      @StateId("sinceBase") BagState<Example> sinceBase,
      @StateId("sinceBaseCount") ValueState<Long> sinceBaseCount,
      @StateId("base") ValueState<String> base,
      OutputReceiver<KV<String, String>> out)
      throws Exception {
    long upTo = context.timestamp().getMillis();
    Long before = releasedUpTo.read();
    if (before == null || upTo > before) {
      releasedUpTo.write(upTo);
    }
    List<Example> released = new ArrayList<>();
    List<Example> stillWaiting = new ArrayList<>();
    for (Example e : waiting.read()) {
      (e.labelTimeMillis() <= upTo ? released : stillWaiting).add(e);
    }
    waiting.clear();
    stillWaiting.forEach(waiting::add);
    releaseAt.clear();
    stillWaiting.stream()
        .mapToLong(Example::labelTimeMillis)
        .min()
        .ifPresent(
            next -> {
              long step = stepEnd(next);
              release.set(new Instant(step));
              releaseAt.write(step);
            });
    if (released.isEmpty()) {
      return;
    }
    released.sort(Comparator.comparingLong(Example::labelTimeMillis).thenComparing(Example::id));
    List<Example> queue = new ArrayList<>();
    ready.read().forEach(queue::add);
    queue.addAll(released);
    int start = 0;
    while (queue.size() - start >= config.microBatchSize()) {
      int end = start + config.microBatchSize();
      while (end < queue.size()
          && queue.get(end).labelTimeMillis() == queue.get(end - 1).labelTimeMillis()) {
        end++;
      }
      learn(queue.subList(start, end), new Kept(sinceBase, sinceBaseCount, base), out);
      start = end;
    }
    ready.clear();
    List<Example> rest = queue.subList(start, queue.size());
    rest.forEach(ready::add);
    if (!rest.isEmpty()) {
      flush.offset(Duration.standardSeconds(config.maxWaitSeconds())).setRelative();
    }
  }

  /** Nothing more was released for a while: learns what is ready, short of a micro-batch. */
  @OnTimer("flush")
  public void onFlush(
      @StateId("ready") BagState<Example> ready,
      @StateId("sinceBase") BagState<Example> sinceBase,
      @StateId("sinceBaseCount") ValueState<Long> sinceBaseCount,
      @StateId("base") ValueState<String> base,
      OutputReceiver<KV<String, String>> out)
      throws Exception {
    List<Example> rest = new ArrayList<>();
    ready.read().forEach(rest::add);
    ready.clear();
    if (!rest.isEmpty()) {
      learn(rest, new Kept(sinceBase, sinceBaseCount, base), out);
    }
  }

  /** The learner's base version and the examples learnt since, kept in state. */
  private record Kept(BagState<Example> examples, ValueState<Long> count, ValueState<String> base) {
    List<Example> takeAll() {
      List<Example> all = new ArrayList<>();
      examples.read().forEach(all::add);
      examples.clear();
      count.clear();
      return all;
    }

    /** Keeps {@code batch} unless the learner's base now holds everything it learnt. */
    void update(List<Example> batch, CandidateLearner learner) {
      base.write(learner.baseVersion());
      if (learner.examplesSinceBase() == 0) {
        examples.clear();
        count.clear();
        return;
      }
      long held = count.read() == null ? 0 : count.read();
      if (held >= MAX_KEPT) {
        if (held == MAX_KEPT) {
          LOG.warn(
              "{} examples learnt since {} and no candidate registered: a restart now resumes from"
                  + " {} without the examples learnt after the first {}",
              learner.examplesSinceBase(),
              learner.baseVersion(),
              learner.baseVersion(),
              MAX_KEPT);
          count.write(held + 1);
        }
        return;
      }
      batch.forEach(examples::add);
      count.write(held + batch.size());
    }
  }

  /**
   * Learns {@code examples}. A learner that has not learnt yet in this worker (the job started, or
   * restarted from a checkpoint) first resumes from the base version kept in state, if any (a
   * restore: {@link CandidateLearner#resumeAfterRestore}), and learns the examples kept since it:
   * they are in state but in no registered version, and the restored job does not read them again.
   */
  private void learn(List<Example> examples, Kept kept, OutputReceiver<KV<String, String>> out)
      throws Exception {
    synchronized (learner) {
      if (learner.fresh()) {
        String restored = kept.base().read();
        if (restored != null) {
          learner.resumeAfterRestore(restored);
        }
        List<Example> earlier = kept.takeAll();
        if (!earlier.isEmpty()) {
          earlier.sort(
              Comparator.comparingLong(Example::labelTimeMillis).thenComparing(Example::id));
          LOG.info(
              "learning again the {} examples learnt since {} before the restart",
              earlier.size(),
              learner.baseVersion());
          learnOne(earlier, out);
          kept.update(earlier, learner);
        }
      }
      learnOne(examples, out);
      kept.update(examples, learner);
    }
  }

  private void learnOne(List<Example> examples, OutputReceiver<KV<String, String>> out)
      throws Exception {
    CandidateLearner.Step step;
    try {
      step = learner.learn(examples);
    } catch (Exception | Error e) {
      LOG.error("the learner failed on a micro-batch of {} examples", examples.size(), e);
      throw e;
    }
    batches.inc();
    trained.inc(step.trained());
    skipped.inc(step.skipped());
    if (step.decision().isPresent()) {
      ModelEvent event = step.decision().get();
      (event.is(ModelEvent.Type.CANDIDATE) ? accepted : rejected).inc();
      out.output(KV.of(event.version(), event.toJson()));
    }
  }

  /**
   * An example labelled at or before what was already released: its label reached this step after
   * the watermark had passed its label time (the reader's {@code --maxOutOfOrderSeconds} is smaller
   * than how far its input arrives out of order). It is still learnt, but out of label-time order,
   * so a candidate registered before it claims labels up to a time it had not all learnt.
   */
  private void lateExample(Example e, long releasedUpTo) {
    late.inc();
    lateSeen++;
    if (Long.bitCount(lateSeen) == 1) {
      LOG.warn(
          "late example {} (label time {}, {} s behind the {} already released; {} late examples"
              + " in this worker so far): raise --maxOutOfOrderSeconds to learn in label-time"
              + " order",
          e.id(),
          new Instant(e.labelTimeMillis()),
          (releasedUpTo - e.labelTimeMillis()) / 1000,
          new Instant(releasedUpTo),
          lateSeen);
    }
  }

  /** The end of the release step holding {@code labelTimeMillis}. */
  private static long stepEnd(long labelTimeMillis) {
    return Math.floorDiv(labelTimeMillis, STEP_MILLIS) * STEP_MILLIS + STEP_MILLIS - 1;
  }

  @Teardown
  public void teardown() throws Exception {
    if (learner != null) {
      SharedInstances.release("learner-" + config.runId());
      learner = null;
    }
  }
}
