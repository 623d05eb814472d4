package dev.freshet.pipelines.bench.serve;

import dev.freshet.pipelines.bench.ProcessCpu;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast Beam's DirectRunner runs one stateful step, with nothing of Freshet's in the pipeline:
 * an unbounded sequence, keyed, into a {@code DoFn} with one value state and (optionally) one
 * event-time timer per key, the layout serve's label join and feature stages use. It prints the
 * rate and the CPU per element over successive windows as the keys accumulate, for three layouts: a
 * new key per element with a timer (serve's label join, keyed by event id), a new key per element
 * without a timer (serve's vector assembly), and a fixed set of keys with a timer.
 *
 * <pre>
 * java -cp ... dev.freshet.pipelines.bench.serve.DirectRunnerCeiling --seconds=60
 * </pre>
 */
@Command(
    name = "direct-runner-ceiling",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    description = {
      "Elements per second and CPU µs per element of one stateful DoFn on Beam's DirectRunner,"
          + " per window of time, as the number of keys grows: new key per element with and"
          + " without an event-time timer, and a fixed set of keys. Nothing of Freshet's runs in"
          + " the pipeline."
    })
public final class DirectRunnerCeiling implements Callable<Integer> {
  @Option(
      names = "--seconds",
      defaultValue = "60",
      description = "Seconds per layout (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--window",
      defaultValue = "10",
      description = "Seconds per reported window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(
      names = "--fixedKeys",
      defaultValue = "256",
      description = "Keys of the fixed-keys layout (default: ${DEFAULT-VALUE}).")
  int fixedKeys;

  /** Elements processed by the stateful step, across the JVM (the DirectRunner runs in it). */
  static final AtomicLong PROCESSED = new AtomicLong();

  enum Layout {
    STATELESS,
    NEW_KEY_WITH_TIMER,
    NEW_KEY_NO_TIMER,
    FIXED_KEYS_WITH_TIMER
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DirectRunnerCeiling()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "DirectRunner, one stateful DoFn, %d s per layout, %d processors%n",
        seconds,
        Runtime.getRuntime().availableProcessors());
    System.out.println("| layout | window | keys so far | elements/s | CPU µs/element |");
    System.out.println("|---|---|---:|---:|---:|");
    for (Layout layout : Layout.values()) {
      for (String row : run(layout)) {
        System.out.println(row);
      }
    }
    return 0;
  }

  private List<String> run(Layout layout) throws Exception {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setRunner(DirectRunner.class);
    options.setBlockOnRun(false);
    options.setEnforceImmutability(false);
    options.setEnforceEncodability(false);
    Pipeline p = Pipeline.create(options);
    long keys = layout == Layout.FIXED_KEYS_WITH_TIMER ? fixedKeys : Long.MAX_VALUE;
    p.apply(GenerateSequence.from(0).withTimestampFn(i -> new Instant(i)))
        .apply(ParDo.of(new KeyFn(keys)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
        .apply(
            switch (layout) {
              case STATELESS -> ParDo.of(new CountFn());
              case NEW_KEY_NO_TIMER -> ParDo.of(new StateOnlyFn());
              default -> ParDo.of(new StateAndTimerFn());
            });
    PROCESSED.set(0);
    PipelineResult result = p.run();
    List<String> rows = new ArrayList<>();
    long start = System.nanoTime();
    long lastCount = 0;
    long lastCpu = ProcessCpu.nanos();
    long lastNanos = start;
    for (int w = 1; w * window <= seconds; w++) {
      long until = start + w * window * 1_000_000_000L;
      while (System.nanoTime() < until) {
        Thread.sleep(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
      long count = PROCESSED.get();
      long cpu = ProcessCpu.nanos();
      long now = System.nanoTime();
      long n = count - lastCount;
      rows.add(
          String.format(
              Locale.ROOT,
              "| %s | %d–%d s | %,d | %,.0f | %s |",
              layout.name().toLowerCase(Locale.ROOT).replace('_', ' '),
              (w - 1) * window,
              w * window,
              layout == Layout.FIXED_KEYS_WITH_TIMER ? Math.min(count, fixedKeys) : count,
              n / ((now - lastNanos) / 1e9),
              n == 0 ? "–" : String.format(Locale.ROOT, "%,.0f", (cpu - lastCpu) / 1e3 / n)));
      System.err.println(rows.get(rows.size() - 1));
      lastCount = count;
      lastCpu = cpu;
      lastNanos = now;
    }
    result.cancel();
    return rows;
  }

  /** Keys element {@code i} by {@code i mod keys}. */
  static final class KeyFn extends DoFn<Long, KV<String, Long>> {
    private final long keys;

    KeyFn(long keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<String, Long>> out) {
      out.output(KV.of(Long.toString(i % keys), i));
    }
  }

  /** One value state and one event-time timer per key, set once a key is new. */
  static final class StateAndTimerFn extends DoFn<KV<String, Long>, Void> {
    @StateId("seen")
    private final StateSpec<ValueState<Long>> seenSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @ProcessElement
    public void process(
        @Element KV<String, Long> e,
        @StateId("seen") ValueState<Long> seen,
        @TimerId("expire") Timer expire) {
      Long before = seen.read();
      seen.write(before == null ? 1 : before + 1);
      if (before == null) {
        // Far in event time, as a 48 h label window or an idle key's expiry is.
        expire.set(new Instant(e.getValue()).plus(Duration.standardDays(2)));
      }
      PROCESSED.incrementAndGet();
    }

    @OnTimer("expire")
    public void onExpire(@StateId("seen") ValueState<Long> seen) {
      seen.clear();
    }
  }

  /** No state: the runner's cost of reading the source and running a DoFn. */
  static final class CountFn extends DoFn<KV<String, Long>, Void> {
    @ProcessElement
    public void process() {
      PROCESSED.incrementAndGet();
    }
  }

  /** One value state per key, no timer. */
  static final class StateOnlyFn extends DoFn<KV<String, Long>, Void> {
    @StateId("seen")
    private final StateSpec<ValueState<Long>> seenSpec = StateSpecs.value(VarLongCoder.of());

    @ProcessElement
    public void process(@Element KV<String, Long> e, @StateId("seen") ValueState<Long> seen) {
      Long before = seen.read();
      seen.write(before == null ? 1 : before + 1);
      PROCESSED.incrementAndGet();
    }
  }
}
