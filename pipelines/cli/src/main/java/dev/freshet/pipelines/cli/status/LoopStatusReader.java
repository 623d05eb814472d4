package dev.freshet.pipelines.cli.status;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelStatus;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.model.registry.StatusEvent;
import dev.freshet.pipelines.cli.models.ModelsCommand.Offline;
import dev.freshet.pipelines.cli.status.LoopStatus.Decision;
import dev.freshet.pipelines.cli.status.LoopStatus.Drift;
import dev.freshet.pipelines.cli.status.LoopStatus.ServeLag;
import dev.freshet.pipelines.cli.status.LoopStatus.Version;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.transforms.drift.FeatureDrift;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads the loop's state ({@link LoopStatus}) from a registry and, when given, the brokers: the
 * {@code model-events} topic (decisions, online evidence, drift) and serve's consumer group on the
 * events topic (lag).
 */
public final class LoopStatusReader {
  /** Decisions shown, newest first. */
  static final int DECISIONS = 10;

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Why a challenger has no online evidence while it is one. */
  static final String NO_ONLINE_LOOK =
      "no online look yet: the promoter publishes online evidence only with its decision"
          + " (promote or reject), none about this version so far";

  private final ModelRegistry registry;
  private final String registryPath;
  private final @Nullable KafkaClients kafka;
  private final String modelEventsTopic;
  private final String eventsTopic;
  private final String consumerGroup;

  /**
   * A reader of {@code registry}; {@code kafka} null for the registry alone. {@code consumerGroup}
   * and {@code eventsTopic} are serve's.
   */
  public LoopStatusReader(
      ModelRegistry registry,
      String registryPath,
      @Nullable KafkaClients kafka,
      String modelEventsTopic,
      String eventsTopic,
      String consumerGroup) {
    this.registry = registry;
    this.registryPath = registryPath;
    this.kafka = kafka;
    this.modelEventsTopic = modelEventsTopic;
    this.eventsTopic = eventsTopic;
    this.consumerGroup = consumerGroup;
  }

  /** The state now; fails naming the servers when no broker answers. */
  public LoopStatus read() throws IOException, InterruptedException {
    return readWithEvents().status();
  }

  /**
   * The state now and the model events it was read from, oldest first ({@code events} null without
   * the brokers or the topic).
   */
  record Reading(LoopStatus status, @Nullable List<ModelEvent> events) {}

  Reading readWithEvents() throws IOException, InterruptedException {
    List<String> notes = new ArrayList<>();
    List<ModelVersion> versions = registry.list();
    Optional<String> productionId = registry.production();
    Optional<String> challengerId = registry.challenger();

    List<ModelEvent> events = null;
    ServeLag lag = null;
    if (kafka == null) {
      notes.add(
          "registry only: give --bootstrapServers for the decisions on "
              + modelEventsTopic
              + " with their online evidence, drift and serve's lag");
    } else {
      KafkaTopics.requireReachable(kafka, List.of(), TIMEOUT);
      try (Admin admin = Admin.create(kafka.config(Map.of()))) {
        Set<String> topics =
            admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (topics.contains(modelEventsTopic)) {
          ModelEventLog log = ModelEventLog.read(kafka, modelEventsTopic, TIMEOUT);
          events = log.events();
          if (log.unreadable() > 0) {
            notes.add(
                log.unreadable() + " records on " + modelEventsTopic + " are not model events");
          }
        } else {
          notes.add(
              "no topic " + modelEventsTopic + " on the brokers: no decisions or drift to show");
        }
        if (topics.contains(eventsTopic)) {
          lag = ServeLagReader.read(admin, consumerGroup, eventsTopic, TIMEOUT);
        } else {
          notes.add("no topic " + eventsTopic + " on the brokers: serve's lag unknown");
        }
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException(
            "reading the loop's state from " + kafka.describe() + " failed: " + e.getMessage(), e);
      }
    }

    Version production = null;
    Version challenger = null;
    for (ModelVersion v : versions) {
      if (productionId.filter(v.id()::equals).isPresent()) {
        production = production(v, events);
      }
      if (challengerId.filter(v.id()::equals).isPresent()) {
        challenger = challenger(v, events);
      }
    }
    if (production == null) {
      notes.add("nothing in production yet: promote a version with freshet models promote");
    }
    LoopStatus status =
        new LoopStatus(
            registryPath,
            kafka == null ? null : kafka.describe(),
            Instant.now(),
            production,
            challenger,
            events == null ? "registry" : modelEventsTopic,
            events == null ? fromRegistry(versions) : fromEvents(events),
            events == null ? null : drift(events, productionId.orElse(null)),
            lag,
            List.copyOf(notes));
    return new Reading(status, events);
  }

  /** Production since its latest promotion (or restore), with the evidence it was promoted on. */
  private static Version production(ModelVersion v, @Nullable List<ModelEvent> events) {
    StatusEvent promoted = null;
    for (StatusEvent e : v.history()) {
      if (e.status() == ModelStatus.PRODUCTION) {
        promoted = e;
      }
    }
    ModelEvent.Online online = events == null ? null : latestOnline(events, v.id());
    return new Version(
        v.id(),
        promoted == null ? v.manifest().createdAt() : promoted.at(),
        promoted == null ? null : promoted.reason(),
        Offline.of(v.manifest().metrics()),
        online,
        online != null
            ? null
            : events == null ? "needs --bootstrapServers" : "no online evidence on model-events");
  }

  private static Version challenger(ModelVersion v, @Nullable List<ModelEvent> events) {
    ModelEvent.Online online = events == null ? null : latestOnline(events, v.id());
    return new Version(
        v.id(),
        v.manifest().createdAt(),
        v.manifest().parentVersion() == null ? null : "learnt from " + v.manifest().parentVersion(),
        Offline.of(v.manifest().metrics()),
        online,
        online != null
            ? null
            : events == null ? "needs --bootstrapServers; " + NO_ONLINE_LOOK : NO_ONLINE_LOOK);
  }

  /** The newest online evidence that judged {@code version}, or null. */
  private static ModelEvent.@Nullable Online latestOnline(List<ModelEvent> events, String version) {
    ModelEvent.Online latest = null;
    for (ModelEvent e : events) {
      if (e.online() != null && e.online().other().version().equals(version)) {
        latest = e.online();
      }
    }
    return latest;
  }

  /** The loop's decisions on model-events, newest first: everything but drift and swaps. */
  private static List<Decision> fromEvents(List<ModelEvent> events) {
    List<Decision> decisions = new ArrayList<>();
    for (int i = events.size() - 1; i >= 0 && decisions.size() < DECISIONS; i--) {
      ModelEvent e = events.get(i);
      if (!e.is(Type.DRIFT) && !e.is(Type.SWAPPED)) {
        decisions.add(new Decision(e.at(), e.type().json(), e.version(), e.source(), reason(e)));
      }
    }
    return decisions;
  }

  /** The event's reason and evidence in words. */
  public static @Nullable String reason(ModelEvent e) {
    List<String> parts = new ArrayList<>();
    if (e.reason() != null) {
      parts.add(e.reason());
    }
    if (e.online() != null) {
      parts.add(e.online().describe());
    }
    if (e.smokeTest() != null) {
      ModelEvent.SmokeTest s = e.smokeTest();
      parts.add(
          String.format(
              Locale.ROOT,
              "smoke test NE %.4f vs production's %.4f over %,d examples",
              s.candidateNe(),
              s.productionNe(),
              s.examples()));
    }
    if (e.restored() != null) {
      parts.add("restored " + e.restored());
    }
    if (e.detail() != null) {
      parts.add(e.detail());
    }
    return parts.isEmpty() ? null : String.join("; ", parts);
  }

  /** Without the brokers: registrations and status changes of every version, newest first. */
  private static List<Decision> fromRegistry(List<ModelVersion> versions) {
    List<Decision> all = new ArrayList<>();
    for (ModelVersion v : versions) {
      all.add(
          new Decision(
              v.manifest().createdAt(),
              "registered",
              v.id(),
              null,
              v.manifest().parentVersion() == null
                  ? null
                  : "learnt from " + v.manifest().parentVersion()));
      for (StatusEvent e : v.history()) {
        all.add(
            new Decision(
                e.at(), e.status().name().toLowerCase(Locale.ROOT), v.id(), null, e.reason()));
      }
    }
    all.sort(Comparator.comparing(Decision::at).reversed());
    return List.copyOf(all.subList(0, Math.min(DECISIONS, all.size())));
  }

  /** The latest drift event per feature for {@code production}, by feature name. */
  private static List<Drift> drift(List<ModelEvent> events, @Nullable String production) {
    Map<String, Drift> latest = new TreeMap<>();
    for (ModelEvent e : events) {
      if (e.is(Type.DRIFT) && e.drift() != null && e.version().equals(production)) {
        ModelEvent.Drift d = e.drift();
        FeatureDrift.OutOfRange range = d.outOfRange();
        boolean outside = range != null && range.below() + range.above() > 0;
        latest.put(
            d.feature(),
            new Drift(
                d.feature(),
                d.psi(),
                Double.isNaN(d.ks()) ? null : d.ks(),
                d.threshold(),
                outside ? range.describe() : null,
                d.windowEnd(),
                d.psi() >= d.threshold() || outside));
      }
    }
    return List.copyOf(latest.values());
  }
}
