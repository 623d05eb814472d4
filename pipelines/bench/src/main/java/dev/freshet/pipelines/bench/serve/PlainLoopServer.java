package dev.freshet.pipelines.bench.serve;

import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.transforms.events.RecordParser;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeaturedEvent;
import dev.freshet.transforms.features.StableHash;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.values.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The serving benchmark's baseline: what serve does, as one plain Java loop on one thread, with no
 * Beam runner. {@code KafkaConsumer} (events topic) → {@link RecordParser} (the spec's event
 * schema, as {@code ParseEvents} uses it) → the streaming feature arithmetic in memory → the same
 * DJL {@link Scorer} (one batch per {@code poll()}) → {@code KafkaProducer} writing {@link
 * Prediction} JSON, keyed by event id, to the predictions topic.
 *
 * <p>The features are computed by the very classes {@code ExtractFeatures}' arrival-order
 * (streaming) path is built on ({@code KeyFeatures}, {@code EntityHistory}, {@code EventFeatures},
 * {@code VectorAssembly}, {@code Part}), called as its DoFns call them: per entity key a {@code
 * HashMap} from key value to {@code EntityHistory} stands in for Beam's keyed state, and each
 * event's base part and key parts are put together by {@code VectorAssembly} itself. So for the
 * same events in the same per-key order the vectors are bit-identical to serve's. Those classes are
 * package-private in {@code dev.freshet.transforms.features}; {@link InMemoryFeatures} reaches them
 * through method handles (class path only, no module boundary) instead of copying their code.
 *
 * <p>What the loop leaves out, on purpose: the outcomes topic and the label join (the benchmark
 * sends no outcomes, so the outcome-derived columns are computed from empty label histories in both
 * systems), dead-letter output (invalid records are only counted), expiry of idle keys' histories
 * (entries are still evicted per key on every event, as in serve), offset commits and model hot
 * swap: it scores with the production version it found at {@link #start()}.
 */
public final class PlainLoopServer implements AutoCloseable {
  private static final String ARM = "production";
  private static final Duration POLL = Duration.ofMillis(100);

  private final KafkaClients kafka;
  private final String eventsTopic;
  private final String predictionsTopic;
  private final FeatureSpec spec;
  private final String registry;
  private final long allowedLatenessMillis;
  private final double threshold;
  private final AtomicLong predictions = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();

  private volatile boolean running;
  private volatile Throwable failure;
  private Thread thread;
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> producer;
  private LoadedModel model;
  private Scorer scorer;

  /**
   * A loop reading {@code eventsTopic} from the earliest offset (its own consumer group) and
   * writing to {@code predictionsTopic}, scoring with the production model of {@code registry}.
   */
  public PlainLoopServer(
      KafkaClients kafka,
      String eventsTopic,
      String predictionsTopic,
      FeatureSpec spec,
      String registry,
      long allowedLatenessMillis,
      double threshold) {
    this.kafka = kafka;
    this.eventsTopic = eventsTopic;
    this.predictionsTopic = predictionsTopic;
    this.spec = spec;
    this.registry = registry;
    this.allowedLatenessMillis = allowedLatenessMillis;
    this.threshold = threshold;
  }

  /** Loads the production model and starts the loop thread; returns at once. */
  public synchronized void start() throws IOException, ModelRejectedException {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    model = ModelRegistry.at(registry).loadProduction(spec.fingerprint());
    InMemoryFeatures features = new InMemoryFeatures(spec, allowedLatenessMillis);
    consumer =
        new KafkaConsumer<>(
            kafka.config(
                Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "freshet-plain-loop-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    "false")),
            new StringDeserializer(),
            new StringDeserializer());
    consumer.subscribe(List.of(eventsTopic));
    // As serve's KafkaIO.write: client defaults, no linger.
    producer =
        new KafkaProducer<>(
            kafka.config(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0)),
            new StringSerializer(),
            new StringSerializer());
    running = true;
    thread = new Thread(() -> loop(features), "freshet-plain-loop");
    thread.setDaemon(true);
    thread.start();
  }

  /** Predictions sent so far. */
  public long predictions() {
    return predictions.get();
  }

  /** Records that did not parse (skipped). */
  public long invalid() {
    return invalid.get();
  }

  /** The error that stopped the loop, if any. */
  public Throwable failure() {
    return failure;
  }

  private void loop(InMemoryFeatures features) {
    RecordParser parser = new RecordParser(spec.events());
    String idField = spec.events().idField();
    String timeField = spec.events().timeField();
    String specId = spec.fingerprint().substring(0, 16);
    // One predictor, used by this thread only (DJL predictors are not thread-safe).
    scorer = model.classifier().newScorer();
    List<Row> rows = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    try {
      while (running) {
        ConsumerRecords<String, String> records;
        try {
          records = consumer.poll(POLL);
        } catch (WakeupException e) {
          break;
        }
        if (records.isEmpty()) {
          continue;
        }
        rows.clear();
        vectors.clear();
        for (ConsumerRecord<String, String> r : records) {
          RecordParser.Result parsed = parser.parseJson(r.value());
          if (!parsed.ok()) {
            invalid.incrementAndGet();
            continue;
          }
          rows.add(parsed.row());
          vectors.add(features.compute(parsed.row()));
        }
        if (rows.isEmpty()) {
          continue;
        }
        float[] scores = scorer.score(vectors.toArray(new float[0][]));
        long now = System.currentTimeMillis();
        for (int i = 0; i < scores.length; i++) {
          Row row = rows.get(i);
          String id = row.getString(idField);
          Prediction p =
              new Prediction(
                  id,
                  row.getDateTime(timeField).getMillis(),
                  scores[i],
                  scores[i] >= threshold,
                  model.versionId(),
                  ARM,
                  specId,
                  vectors.get(i),
                  now);
          producer.send(new ProducerRecord<>(predictionsTopic, id, p.toJson()));
        }
        predictions.addAndGet(scores.length);
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      consumer.close();
    }
  }

  /** Stops the loop and releases the consumer, producer, predictor and model. */
  @Override
  public synchronized void close() {
    if (thread == null) {
      return;
    }
    running = false;
    consumer.wakeup();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(10));
    if (scorer != null) {
      scorer.close();
    }
    model.close();
    thread = null;
  }

  /**
   * The arithmetic of {@code ExtractFeatures}' arrival-order path, in memory: for each event the
   * base part ({@code EventFeatures}), one part per entity key ({@code KeyFeatures.onEvent} on that
   * key's {@code EntityHistory}, or {@code fillMissing} when the key field is null) and {@code
   * VectorAssembly} putting them together, exactly as {@code ExtractFeatures}' {@code
   * RouteEventsFn} (base parts and missing-key parts), {@code ArrivalKeyFn} and {@code AssembleFn}
   * do. Not thread-safe.
   */
  static final class InMemoryFeatures {
    private static final String PACKAGE = "dev.freshet.transforms.features.";
    private static final MethodHandle PLAN;
    private static final MethodHandle KEY_OF;
    private static final MethodHandle NEW_HISTORY;
    private static final MethodHandle FILL_MISSING;
    private static final MethodHandle NUMERIC_VALUES;
    private static final MethodHandle HASHED_VALUES;
    private static final MethodHandle ON_EVENT;
    private static final MethodHandle NEW_EVENT_FEATURES;
    private static final MethodHandle EVENT_FEATURES;
    private static final MethodHandle NEW_ASSEMBLY;
    private static final MethodHandle START;
    private static final MethodHandle ADD;
    private static final MethodHandle NEW_PART;
    private static final int BASE;

    static {
      try {
        Class<?> keyFeatures = Class.forName(PACKAGE + "KeyFeatures");
        Class<?> history = Class.forName(PACKAGE + "EntityHistory");
        Class<?> eventFeatures = Class.forName(PACKAGE + "EventFeatures");
        Class<?> assembly = Class.forName(PACKAGE + "VectorAssembly");
        Class<?> inProgress = Class.forName(PACKAGE + "VectorAssembly$InProgress");
        Class<?> part = Class.forName(PACKAGE + "Part");
        PLAN =
            method(
                keyFeatures,
                "plan",
                MethodType.methodType(List.class, FeatureSpec.class, long.class),
                FeatureSpec.class,
                long.class);
        KEY_OF =
            method(
                keyFeatures,
                "keyOf",
                MethodType.methodType(String.class, Object.class, Row.class),
                Row.class);
        NEW_HISTORY =
            method(keyFeatures, "newHistory", MethodType.methodType(Object.class, Object.class));
        FILL_MISSING =
            method(
                keyFeatures,
                "fillMissing",
                MethodType.methodType(void.class, Object.class, float[].class),
                float[].class);
        NUMERIC_VALUES =
            method(
                keyFeatures,
                "numericValues",
                MethodType.methodType(double[].class, Object.class, Row.class),
                Row.class);
        HASHED_VALUES =
            method(
                keyFeatures,
                "hashedValues",
                MethodType.methodType(long[].class, Object.class, Row.class),
                Row.class);
        ON_EVENT =
            method(
                keyFeatures,
                "onEvent",
                MethodType.methodType(
                    void.class,
                    Object.class,
                    Object.class,
                    long.class,
                    long.class,
                    double[].class,
                    long[].class,
                    float[].class),
                history,
                long.class,
                long.class,
                double[].class,
                long[].class,
                float[].class);
        NEW_EVENT_FEATURES =
            constructor(
                eventFeatures,
                MethodType.methodType(Object.class, FeatureSpec.class),
                FeatureSpec.class);
        EVENT_FEATURES =
            method(
                eventFeatures,
                "compute",
                MethodType.methodType(float[].class, Object.class, Row.class),
                Row.class);
        NEW_ASSEMBLY =
            constructor(
                assembly,
                MethodType.methodType(Object.class, List.class, long.class),
                List.class,
                long.class);
        START = method(assembly, "start", MethodType.methodType(Object.class, Object.class));
        ADD =
            method(
                assembly,
                "add",
                MethodType.methodType(
                    FeaturedEvent.class, Object.class, Object.class, Object.class),
                inProgress,
                part);
        NEW_PART =
            constructor(
                part,
                MethodType.methodType(Object.class, int.class, Row.class, float[].class),
                int.class,
                Row.class,
                float[].class);
        Field base = part.getDeclaredField("BASE");
        base.setAccessible(true);
        BASE = base.getInt(null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new ExceptionInInitializerError(
            new IllegalStateException(
                "cannot reach the feature classes of dev.freshet.transforms.features (run on the"
                    + " class path, not as modules)",
                e));
      }
    }

    private final Object[] plans;
    private final List<Map<String, Object>> histories = new ArrayList<>();
    private final Object eventFeatures;
    private final Object assembly;
    private final int size;
    private final String idField;
    private final String timeField;

    InMemoryFeatures(FeatureSpec spec, long allowedLatenessMillis) {
      try {
        List<?> planList = (List<?>) PLAN.invokeExact(spec, allowedLatenessMillis);
        this.plans = planList.toArray();
        for (int i = 0; i < plans.length; i++) {
          histories.add(new HashMap<>());
        }
        this.eventFeatures = (Object) NEW_EVENT_FEATURES.invokeExact(spec);
        this.assembly = (Object) NEW_ASSEMBLY.invokeExact((List<?>) planList, spec.fingerprint64());
      } catch (Throwable t) {
        throw rethrow(t);
      }
      this.size = spec.size();
      this.idField = spec.events().idField();
      this.timeField = spec.events().timeField();
    }

    /** The feature vector of {@code event}, after which the event is part of its keys' history. */
    float[] compute(Row event) {
      try {
        Object progress = (Object) START.invokeExact(assembly);
        float[] base = (float[]) EVENT_FEATURES.invokeExact(eventFeatures, event);
        Object basePart = (Object) NEW_PART.invokeExact(BASE, event, base);
        FeaturedEvent done = (FeaturedEvent) ADD.invokeExact(assembly, progress, basePart);
        String id = event.getString(idField);
        long time = event.getDateTime(timeField).getMillis();
        long tie = StableHash.of(id);
        for (int stage = 0; stage < plans.length; stage++) {
          Object plan = plans[stage];
          float[] f = new float[size];
          String key = (String) KEY_OF.invokeExact(plan, event);
          if (key == null) {
            FILL_MISSING.invokeExact(plan, f);
          } else {
            Map<String, Object> byKey = histories.get(stage);
            Object history = byKey.get(key);
            if (history == null) {
              history = (Object) NEW_HISTORY.invokeExact(plan);
              byKey.put(key, history);
            }
            double[] numeric = (double[]) NUMERIC_VALUES.invokeExact(plan, event);
            long[] hashed = (long[]) HASHED_VALUES.invokeExact(plan, event);
            ON_EVENT.invokeExact(plan, history, time, tie, numeric, hashed, f);
          }
          Object part = (Object) NEW_PART.invokeExact(stage, (Row) null, f);
          done = (FeaturedEvent) ADD.invokeExact(assembly, progress, part);
        }
        if (done == null) {
          throw new IllegalStateException("vector of " + id + " incomplete after all parts");
        }
        return done.features();
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }

    private static MethodHandle method(
        Class<?> owner, String name, MethodType erased, Class<?>... parameters)
        throws ReflectiveOperationException {
      Method m = owner.getDeclaredMethod(name, parameters);
      m.setAccessible(true);
      return MethodHandles.lookup().unreflect(m).asType(erased);
    }

    private static MethodHandle constructor(
        Class<?> owner, MethodType erased, Class<?>... parameters)
        throws ReflectiveOperationException {
      Constructor<?> c = owner.getDeclaredConstructor(parameters);
      c.setAccessible(true);
      return MethodHandles.lookup().unreflectConstructor(c).asType(erased);
    }

    private static RuntimeException rethrow(Throwable t) {
      if (t instanceof RuntimeException r) {
        return r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      return new IllegalStateException(t);
    }
  }
}
