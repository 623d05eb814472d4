package dev.freshet.pipelines.serve;

import dev.freshet.model.evaluation.ArmPosteriors;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.pipelines.kafka.ModelEvents;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a registry's production pointer for the serving workers of one JVM: one thread polls the
 * pointer, verifies a new version once (checksum, feature fingerprint, loadable) and publishes it
 * as the version to serve. A version that fails verification is refused: logged, counted (the
 * scoring DoFn turns the count into a metric) and announced on {@code model-events}; the previously
 * approved version keeps serving. When even the first version cannot be loaded, the watcher falls
 * back along the production lineage (the versions a roll-back would restore).
 *
 * <p>Shared per JVM and per {@link ModelSource} through {@link #acquire}/{@link #release}, so every
 * DoFn instance sees the same decision and a refusal is reported once.
 */
final class ProductionWatcher implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ProductionWatcher.class);
  private static final Map<ModelSource, ProductionWatcher> WATCHERS = new HashMap<>();
  private static final long WAIT_LOG_MILLIS = 10_000;
  private static final int CHALLENGER_EVERY = 4;

  private final ModelSource source;
  private final ModelRegistry registry;
  private final Set<String> refused = new HashSet<>();
  private final AtomicLong unreportedRefusals = new AtomicLong();
  private final Thread thread;
  private volatile String approved;
  private volatile String challenger;
  private volatile Map<String, double[]> posteriors = Map.of();
  private final Set<String> refusedChallengers = new HashSet<>();
  private int polls;
  private ModelEvents events;
  private int users;

  private ProductionWatcher(ModelSource source) {
    this.source = source;
    this.registry = ModelRegistry.at(source.registry());
    this.thread = new Thread(this, "freshet-model-watcher");
    thread.setDaemon(true);
  }

  /** The watcher for {@code source}, started on first use; pair with {@link #release}. */
  static synchronized ProductionWatcher acquire(ModelSource source) {
    ProductionWatcher w = WATCHERS.computeIfAbsent(source, ProductionWatcher::new);
    if (w.users++ == 0) {
      w.check();
      w.checkChallenger();
      w.thread.start();
    }
    return w;
  }

  /** Stops the watcher once its last user released it. */
  static synchronized void release(ProductionWatcher w) {
    if (--w.users == 0) {
      WATCHERS.remove(w.source);
      w.thread.interrupt();
      if (w.events != null) {
        w.events.close();
      }
    }
  }

  /**
   * The version to serve; waits (logging every 10 s, never failing) while there is none, so a
   * pipeline started before its first model simply waits for a promotion.
   */
  String awaitApproved() throws InterruptedException {
    long lastLog = 0;
    while (approved == null) {
      if (System.currentTimeMillis() - lastLog > WAIT_LOG_MILLIS) {
        LOG.warn(
            "no servable production model in {} yet: waiting (train one with `freshet train"
                + " --registry={}`)",
            source.registry(),
            source.registry());
        lastLog = System.currentTimeMillis();
      }
      Thread.sleep(Math.min(200, source.pollMillis()));
    }
    return approved;
  }

  /** Refusals since the last call (each is counted once across the JVM's DoFn instances). */
  long drainRefusals() {
    return unreportedRefusals.getAndSet(0);
  }

  @Override
  public void run() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(source.pollMillis());
      } catch (InterruptedException e) {
        return;
      }
      check();
      if (++polls % CHALLENGER_EVERY == 0) {
        checkChallenger();
      }
    }
  }

  /** The verified challenger to route to, or null when there is none (or routing is off). */
  String challenger() {
    return challenger;
  }

  /** The bandit's posteriors by version, as the promoter last published them. */
  Map<String, double[]> posteriors() {
    return posteriors;
  }

  /**
   * One look at the registry's challenger (listing every version, hence every {@value
   * #CHALLENGER_EVERY} polls) and at the bandit's posteriors. A challenger that does not verify is
   * never routed to.
   */
  synchronized void checkChallenger() {
    if (!source.watchChallenger()) {
      return;
    }
    try {
      posteriors = ArmPosteriors.read(source.registry());
      Optional<String> next = registry.challenger();
      if (next.isEmpty() || refusedChallengers.contains(next.get())) {
        challenger = null;
        return;
      }
      if (next.get().equals(challenger)) {
        return;
      }
      try (LoadedModel verified = registry.load(next.get(), source.fingerprint())) {
        LOG.info("challenger {} verified; routing to it", verified.versionId());
        challenger = verified.versionId();
      } catch (ModelRejectedException e) {
        refusedChallengers.add(next.get());
        LOG.error("refusing challenger {} ({}): {}", next.get(), e.reason(), e.getMessage());
        challenger = null;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the challenger of {}: {}", source.registry(), e.toString());
    }
  }

  /** One poll: approve the production version if it is new and verifies, else refuse it. */
  synchronized void check() {
    List<String> lineage;
    try {
      lineage = registry.productionLineage();
    } catch (Exception e) {
      LOG.warn("cannot read the production pointer of {}: {}", source.registry(), e.toString());
      return;
    }
    for (String version : lineage) {
      if (version.equals(approved)) {
        return;
      }
      if (refused.contains(version)) {
        if (approved != null) {
          return;
        }
        continue;
      }
      try (LoadedModel verified = registry.load(version, source.fingerprint())) {
        LOG.info(
            "production model {} verified{}",
            version,
            approved == null ? "" : " (replaces " + approved + ")");
        String previous = approved;
        approved = verified.versionId();
        announce(
            ModelEvent.of(ModelEvent.Type.SWAPPED, version, "serve").previous(previous).build());
        return;
      } catch (ModelRejectedException e) {
        refuse(version, e);
        if (approved != null) {
          return;
        }
      }
    }
  }

  private void refuse(String version, ModelRejectedException e) {
    refused.add(version);
    unreportedRefusals.incrementAndGet();
    LOG.error(
        "refusing production model {} ({}): {}; still serving {}",
        version,
        e.reason(),
        e.getMessage(),
        approved == null ? "nothing yet" : approved);
    announce(
        ModelEvent.of(ModelEvent.Type.REFUSED, version, "serve")
            .reason(e.reason().name())
            .detail(e.getMessage())
            .serving(approved)
            .build());
  }

  /** Publishes on model-events when Kafka is configured; a failure to publish is only logged. */
  private void announce(ModelEvent event) {
    if (source.kafka() == null) {
      return;
    }
    try {
      if (events == null) {
        events = ModelEvents.to(source.kafka(), source.modelEventsTopic());
      }
      events.publish(event);
    } catch (RuntimeException publishFailure) {
      LOG.warn("could not publish {} on model-events: {}", event, publishFailure.toString());
    }
  }
}
