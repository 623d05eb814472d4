package dev.freshet.model.evaluation;

import dev.freshet.model.evaluation.OnlinePromoter.ArmStats;
import dev.freshet.model.evaluation.OnlinePromoter.Look;
import dev.freshet.model.evaluation.OnlinePromoter.Verdict;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.registry.ModelRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on the {@link OnlinePromoter}'s verdicts: labelled predictions in, registry changes and
 * model events with their evidence out. The challenger is the registry's newest candidate after
 * production ({@link ModelRegistry#challenger()}). A promoted version is monitored against its
 * predecessor's record and rolled back (and rejected) if it is significantly worse. It also
 * publishes the bandit's posteriors for serve ({@link ArmPosteriors}).
 *
 * <p>Labels arrive with a delay that depends on the label: a positive when its outcome comes (hours
 * after the event for a chargeback), a negative only when the label window closes. Judged as they
 * arrive, a version that started scoring recently would be judged on its positives alone and the
 * older one on a mix. So a labelled prediction counts only once it is <em>settled</em>: when a
 * negative label for an event at least as late has arrived, every prediction up to that event time
 * has its final label (the window of each has closed). Settled predictions are taken in event-time
 * order, and a comparison period starts with the first settled prediction the challenger scored:
 * both arms are then judged on the same stretch of traffic with complete labels.
 */
public final class PromotionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PromotionManager.class);

  /** The {@code source} of the promoter's model events. */
  static final String SOURCE = "promoter";

  /** Labelled predictions between looks at the registry (which lists every version). */
  public static final int CHECK_EVERY = 50;

  /**
   * How old the view of the registry (production pointer, challenger) and the published posteriors
   * may be: listing every manifest per 50 labels would read the registry a hundred times a second
   * at Flink's label rates. The manager's own changes are seen at once.
   */
  static final long REGISTRY_VIEW_MILLIS = 1000;

  private final ModelRegistry registry;
  private final String registryPath;
  private final OnlinePromoter promoter;
  private int sinceCheck;
  private Optional<String> viewProduction = Optional.empty();
  private Optional<String> viewChallenger = Optional.empty();
  private long viewReadMillis;
  private boolean viewStale = true;
  private long posteriorsWrittenMillis;
  private String challenger;
  private String monitored;
  private ArmStats predecessor;
  private String predecessorVersion;

  /** Labelled predictions waiting until every prediction up to their event time is labelled. */
  private final PriorityQueue<Labelled> pending =
      new PriorityQueue<>(Comparator.comparingLong(Labelled::eventTimeMillis));

  /** The latest event time with a negative label: predictions up to it have their final label. */
  private long settledUpTo = Long.MIN_VALUE;

  /** One labelled prediction: every version's score, the version that decided, and the label. */
  public record Labelled(
      Map<String, Float> scores, String decidedBy, boolean label, long eventTimeMillis) {}

  public PromotionManager(String registryPath, OnlinePromoter.Rule rule) {
    this.registryPath = registryPath;
    this.registry = ModelRegistry.at(registryPath);
    this.promoter = new OnlinePromoter(rule);
  }

  /**
   * Takes one labelled prediction; it counts once it is settled (see the class comment). Returns
   * the decisions taken.
   */
  public List<ModelEvent> observe(Labelled labelled) throws IOException {
    pending.add(labelled);
    if (!labelled.label()) {
      settledUpTo = Math.max(settledUpTo, labelled.eventTimeMillis());
    }
    List<ModelEvent> decisions = new ArrayList<>();
    while (!pending.isEmpty() && pending.peek().eventTimeMillis() <= settledUpTo) {
      decisions.addAll(settle(pending.poll()));
    }
    return decisions;
  }

  /**
   * Records one settled prediction. A promoted version under monitoring is judged only on the
   * predictions it decided: its shadow scores from before the promotion are not its record in
   * production.
   */
  private List<ModelEvent> settle(Labelled labelled) throws IOException {
    Map<String, Float> scores = labelled.scores();
    String decidedBy = labelled.decidedBy();
    boolean label = labelled.label();
    if (viewChallenger.isPresent()
        && !viewChallenger.get().equals(challenger)
        && scores.containsKey(viewChallenger.get())
        && viewProduction.isPresent()) {
      // A new comparison period from the challenger's first settled prediction: both arms start
      // from nothing.
      challenger = viewChallenger.get();
      if (monitored == null) {
        promoter.take(viewProduction.get());
      }
      promoter.take(challenger);
    }
    scores.forEach(
        (version, score) -> {
          if (!version.equals(monitored) || version.equals(decidedBy)) {
            promoter.observe(version, score, label);
          }
        });
    if (++sinceCheck < CHECK_EVERY) {
      return List.of();
    }
    sinceCheck = 0;
    List<ModelEvent> decisions = new ArrayList<>();
    refreshView();
    Optional<String> production = viewProduction;
    if (production.isEmpty()) {
      return decisions;
    }
    if (monitored != null) {
      monitorPromotion(production.get()).ifPresent(decisions::add);
    }
    refreshView();
    if (challenger != null && viewChallenger.equals(Optional.of(challenger)) && monitored == null) {
      judgeChallenger(production.get(), challenger).ifPresent(decisions::add);
    }
    long now = System.currentTimeMillis();
    if (now - posteriorsWrittenMillis >= REGISTRY_VIEW_MILLIS) {
      ArmPosteriors.write(registryPath, promoter.posteriors());
      posteriorsWrittenMillis = now;
    }
    return decisions;
  }

  /**
   * Reads the production pointer and the challenger (which lists every version) when the view is
   * older than {@value #REGISTRY_VIEW_MILLIS} ms or this manager changed the registry since.
   */
  private void refreshView() throws IOException {
    long now = System.currentTimeMillis();
    if (!viewStale && now - viewReadMillis < REGISTRY_VIEW_MILLIS) {
      return;
    }
    viewProduction = registry.production();
    viewChallenger = registry.challenger();
    viewReadMillis = now;
    viewStale = false;
  }

  private Optional<ModelEvent> judgeChallenger(String production, String candidate)
      throws IOException {
    Look look = promoter.judgeChallenger(production, candidate);
    if (look.verdict() == Verdict.PROMOTE) {
      ModelEvent.Online evidence = online(production, promoter.stats(production), candidate, look);
      ModelEvent event =
          ModelEvent.of(Type.PROMOTED, candidate, SOURCE)
              .online(evidence)
              .previous(production)
              .build();
      predecessor = promoter.take(production);
      predecessorVersion = production;
      promoter.take(candidate);
      registry.promote(candidate, "promoted " + evidence.describe());
      viewStale = true;
      monitored = candidate;
      challenger = null;
      LOG.info("promoted {} over {}: {}", candidate, production, event.toJson());
      return Optional.of(event);
    }
    if (look.verdict() == Verdict.REJECT) {
      String reason =
          String.format(
              "online: log loss not better than production's (z %.2f, needed %.2f at look %d)",
              look.z(), look.threshold(), look.look());
      ModelEvent.Online evidence = online(production, promoter.stats(production), candidate, look);
      ModelEvent event =
          ModelEvent.of(Type.CANDIDATE_REJECTED, candidate, SOURCE)
              .online(evidence)
              .reason(reason)
              .build();
      registry.reject(candidate, "rejected " + evidence.describe());
      viewStale = true;
      challenger = null;
      LOG.info("rejected {} online: {}", candidate, event.toJson());
      return Optional.of(event);
    }
    return Optional.empty();
  }

  private Optional<ModelEvent> monitorPromotion(String production) throws IOException {
    if (!production.equals(monitored)) {
      // Production moved on (someone else promoted or rolled back): nothing left to monitor.
      monitored = null;
      return Optional.empty();
    }
    Look look = promoter.judgePromotion(predecessor, monitored);
    if (look.verdict() == Verdict.ROLL_BACK) {
      ModelEvent.Online evidence = online(predecessorVersion, predecessor, monitored, look);
      String restored = registry.rollback();
      registry.reject(monitored, "rolled back " + evidence.describe());
      viewStale = true;
      ModelEvent event =
          ModelEvent.of(Type.ROLLED_BACK, monitored, SOURCE)
              .online(evidence)
              .restored(restored)
              .build();
      LOG.warn("rolled back {} to {}: {}", monitored, restored, event.toJson());
      promoter.take(monitored);
      monitored = null;
      return Optional.of(event);
    }
    if (look.verdict() == Verdict.CONFIRM) {
      LOG.info("{} confirmed online against {}", monitored, predecessorVersion);
      monitored = null;
    }
    return Optional.empty();
  }

  /**
   * The online evidence: {@code base} (production, or the predecessor of a promoted version) and
   * {@code judged} with their records, and the test.
   */
  private ModelEvent.Online online(String base, ArmStats baseStats, String judged, Look look) {
    return new ModelEvent.Online(
        arm(base, baseStats),
        arm(judged, promoter.stats(judged)),
        new ModelEvent.Test(
            "Welch z on mean log loss per labelled prediction, one-sided",
            look.z(),
            look.threshold(),
            look.look(),
            promoter.rule().looks(),
            promoter.rule().alpha()));
  }

  private static ModelEvent.Arm arm(String version, ArmStats stats) {
    BinaryMetrics m = stats.metrics();
    return new ModelEvent.Arm(
        version,
        stats.examples(),
        stats.positives(),
        stats.meanLogLoss(),
        m.normalizedEntropy(),
        m.auc(),
        m.calibration());
  }

  @Override
  public void close() {}
}
