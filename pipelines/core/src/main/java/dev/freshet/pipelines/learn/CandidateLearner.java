package dev.freshet.pipelines.learn;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.CalibrationMethod;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.evaluation.OfflineGate;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.events.ModelEvent.Type;
import dev.freshet.model.examples.Example;
import dev.freshet.model.network.PlattCalibration;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.LoadedModel;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelRejectedException;
import dev.freshet.model.registry.ModelStatus;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.model.training.ContinualTraining;
import dev.freshet.transforms.drift.DriftReference;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continual learner, in plain Java: a working copy of a registered version, trained on each
 * micro-batch of labelled examples with one optimiser carried across them ({@link
 * ContinualTraining}), and judged by the {@link OfflineGate} every few micro-batches. Production is
 * never modified: a candidate that passes becomes a new CANDIDATE version whose parent is the
 * version the copy descends from, and the copy continues from it.
 *
 * <p><b>Where it starts (and resumes).</b> A job started anew starts from the newest of the
 * production version and the learner's own candidates that were not rejected. A learner candidate
 * records how many examples the learner trained into it ({@value #EXAMPLES_METRIC}) and the newest
 * label time among them ({@value #LABEL_TIME_METRIC}); examples labelled at or before that time are
 * then skipped, so labels read again are not trained on twice. (Only at a start: while running,
 * examples arrive once and each is learnt, whatever its label time.) A job restored from a
 * checkpoint instead resumes from the version its learner descended from at that checkpoint and
 * skips nothing ({@link #resumeAfterRestore}). Examples trained after the last registered candidate
 * are lost with the process and trained again if they are read again; so is the optimiser's state,
 * which starts afresh from the version the learner resumes from.
 *
 * <p><b>Calibration.</b> The copy trains uncalibrated logits on every example; before a micro-batch
 * is trained on, its logits are recorded with its labels, so the Platt calibration fitted at the
 * gate uses predictions made before the copy saw those examples (prequential).
 *
 * <p>Not thread-safe: {@link LearnFn} shares one instance per JVM and synchronises on it.
 */
final class CandidateLearner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CandidateLearner.class);

  /** The {@code source} of the learner's model events. */
  static final String SOURCE = "learn";

  static final String EXAMPLES_METRIC = "learn_examples";
  static final String LABEL_TIME_METRIC = "learn_label_time_ms";
  private static final int MIN_CALIBRATION_EXAMPLES = 200;
  private static final int MIN_CALIBRATION_POSITIVES = 30;

  /**
   * Default learning rate of the updates, relative to the base version's. The copy keeps one Adam
   * across its micro-batches ({@link ContinualTraining}), so the updates continue the base's
   * training run at its rate. (With a new Adam per micro-batch, whose first steps move every weight
   * by about the learning rate, the full rate pulled a good model off course: smoke-test NE 0.056
   * to 0.19 in six micro-batches, so the learner used a tenth; on the drifting fraud stream of
   * docs/benchmarks/learn.md the kept Adam at the full rate reaches prequential NE 0.069 where a
   * new Adam at a tenth reaches 0.254, three seeds each.)
   */
  static final float DEFAULT_LEARNING_RATE_FACTOR = 1f;

  /** What the learner is configured with. */
  record Settings(
      int gateEvery,
      int epochs,
      double learningRate,
      int calibrationWindow,
      OfflineGate gate,
      long challengerHoldMillis,
      long normalizationMemory)
      implements java.io.Serializable {
    /** Settings without a hold on candidates while one is under online evaluation. */
    Settings(
        int gateEvery, int epochs, double learningRate, int calibrationWindow, OfflineGate gate) {
      this(gateEvery, epochs, learningRate, calibrationWindow, gate, 0);
    }

    /** Settings with the base version's normalisation statistics kept. */
    Settings(
        int gateEvery,
        int epochs,
        double learningRate,
        int calibrationWindow,
        OfflineGate gate,
        long challengerHoldMillis) {
      this(gateEvery, epochs, learningRate, calibrationWindow, gate, challengerHoldMillis, 0);
    }

    Settings {
      if (gateEvery < 1) {
        throw new IllegalArgumentException("--gateEvery must be at least 1, got " + gateEvery);
      }
      if (epochs < 1) {
        throw new IllegalArgumentException("--learnEpochs must be at least 1, got " + epochs);
      }
      if (!(learningRate >= 0)) {
        throw new IllegalArgumentException(
            "--learnRate must be zero (keep the base's) or positive, got " + learningRate);
      }
      if (calibrationWindow < MIN_CALIBRATION_EXAMPLES) {
        throw new IllegalArgumentException(
            "--calibrationWindow must be at least "
                + MIN_CALIBRATION_EXAMPLES
                + ", got "
                + calibrationWindow);
      }
      if (normalizationMemory < 0) {
        throw new IllegalArgumentException(
            "--normalizationMemory must be 0 (keep the base's statistics) or a number of"
                + " examples, got "
                + normalizationMemory);
      }
    }
  }

  /**
   * How often (wall clock) a held learner reads the registry to see if the challenger is decided.
   */
  static final long CHALLENGER_CHECK_MILLIS = 1000;

  private final ModelRegistry registry;
  private final String fingerprint;
  private final Settings settings;
  private final SmokeTestSet smoke;
  private final ArrayDeque<double[]> recentLogits = new ArrayDeque<>();

  /** The working copy and its optimiser, carried across micro-batches. */
  private ContinualTraining working;

  private PlattCalibration baseCalibration;

  /**
   * The lineage's drift reference, inherited from the base version: serve's drift monitor keeps
   * comparing the traffic with the data the lineage was first trained on.
   */
  private DriftReference driftReference;

  private String baseVersion;
  private long examples;
  private long labelHighWater;

  /** Label time up to which the base version had learnt: re-read examples up to it are skipped. */
  private long learntUpTo;

  private long minEventTime = Long.MAX_VALUE;
  private long maxEventTime = Long.MIN_VALUE;
  private long examplesSinceBase;
  private int batchesSinceGate;
  private boolean learnt;

  /** The challenger the learner holds back for, and the label time it was first seen at. */
  private String heldFor;

  private long heldSinceLabelTime;
  private long challengerCheckedMillis;

  private CandidateLearner(
      ModelRegistry registry, String fingerprint, Settings settings, SmokeTestSet smoke) {
    this.registry = registry;
    this.fingerprint = fingerprint;
    this.settings = settings;
    this.smoke = smoke;
  }

  /** A learner continuing from the newest of production and its own unrejected candidates. */
  static CandidateLearner start(
      ModelRegistry registry, String fingerprint, Settings settings, SmokeTestSet smoke)
      throws IOException, ModelRejectedException {
    CandidateLearner learner = new CandidateLearner(registry, fingerprint, settings, smoke);
    learner.rebase(learner.startingVersion());
    return learner;
  }

  /**
   * Continues from {@code version}, the version this learner's copy descended from when the
   * checkpoint the job was restored from was taken. Nothing is skipped as seen before, whatever its
   * label time: the restore rewinds the readers to that checkpoint, so what they read again was not
   * learnt into {@code version}, nor into any candidate registered after the checkpoint (the job
   * learns it again, as it would have without the failure). Skipping by label time would lose the
   * examples that had arrived late (labelled before {@code version}'s newest label, learnt after
   * it).
   */
  void resumeAfterRestore(String version) throws ModelRejectedException {
    LOG.info(
        "resuming from {}, the base version kept in state (a restored job or a moved key), and"
            + " learning all it reads again",
        version);
    if (!version.equals(baseVersion)) {
      rebase(version);
    }
    learntUpTo = Long.MIN_VALUE;
  }

  /** The version the working copy descends from (production or the last registered candidate). */
  String baseVersion() {
    return baseVersion;
  }

  long examples() {
    return examples;
  }

  /**
   * Examples trained since the base version: 0 right after a candidate is registered (it holds
   * them) or after a rebase (they were dropped).
   */
  long examplesSinceBase() {
    return examplesSinceBase;
  }

  /** Whether this learner has not learnt a micro-batch yet (it just started, or restarted). */
  boolean fresh() {
    return !learnt;
  }

  private String startingVersion() throws IOException {
    String production =
        registry
            .production()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "the registry has no production model to learn from; train one first:"
                            + " freshet train --registry=..."));
    List<ModelVersion> versions = registry.list();
    Instant productionCreated =
        versions.stream()
            .filter(v -> v.id().equals(production))
            .findFirst()
            .map(v -> v.manifest().createdAt())
            .orElse(Instant.MIN);
    return versions.stream()
        .filter(v -> v.manifest().metrics().containsKey(EXAMPLES_METRIC))
        .filter(v -> v.status() != ModelStatus.REJECTED)
        .filter(v -> v.manifest().featureFingerprint().equals(fingerprint))
        .filter(v -> v.manifest().createdAt().isAfter(productionCreated))
        .max(Comparator.comparing((ModelVersion v) -> v.manifest().createdAt()))
        .map(ModelVersion::id)
        .orElse(production);
  }

  private void rebase(String version) throws ModelRejectedException {
    try (LoadedModel base = registry.load(version, fingerprint)) {
      BinaryClassifier model = base.classifier();
      ModelConfig.Builder config =
          model.config().toBuilder().epochs(settings.epochs()).calibration(CalibrationMethod.NONE);
      config.learningRate(
          settings.learningRate() > 0
              ? (float) settings.learningRate()
              : model.config().learningRate() * DEFAULT_LEARNING_RATE_FACTOR);
      ContinualTraining copy =
          ClassifierTrainer.of(config.build())
              .continual(model)
              .followNormalization(settings.normalizationMemory());
      if (working != null) {
        working.close();
      }
      working = copy;
      baseCalibration = model.calibration();
      driftReference = base.manifest().driftReference();
      baseVersion = version;
      Map<String, Double> metrics = base.manifest().metrics();
      examples = metrics.getOrDefault(EXAMPLES_METRIC, 0.0).longValue();
      labelHighWater =
          metrics.containsKey(LABEL_TIME_METRIC)
              ? metrics.get(LABEL_TIME_METRIC).longValue()
              : Long.MIN_VALUE;
      learntUpTo = labelHighWater;
    }
    minEventTime = Long.MAX_VALUE;
    maxEventTime = Long.MIN_VALUE;
    examplesSinceBase = 0;
    batchesSinceGate = 0;
    LOG.info(
        "learning from {} ({} examples trained by the learner so far, labels up to {})",
        version,
        examples,
        labelHighWater == Long.MIN_VALUE ? "-" : Instant.ofEpochMilli(labelHighWater));
  }

  /** What one micro-batch did: examples trained, skipped as already seen, and a gate decision. */
  record Step(int trained, int skipped, Optional<ModelEvent> decision) {}

  /**
   * Trains the working copy on the examples of {@code batch} not seen before, then, every {@code
   * gateEvery} micro-batches, runs the offline gate and registers the candidate if it passes.
   */
  Step learn(List<Example> batch) throws IOException, ModelRejectedException {
    learnt = true;
    List<Example> fresh =
        batch.stream()
            .filter(e -> e.labelTimeMillis() > learntUpTo)
            .sorted(Comparator.comparingLong(Example::labelTimeMillis).thenComparing(Example::id))
            .toList();
    int skipped = batch.size() - fresh.size();
    if (fresh.isEmpty()) {
      return new Step(0, skipped, Optional.empty());
    }
    float[][] x = new float[fresh.size()][];
    float[] y = new float[fresh.size()];
    for (int i = 0; i < x.length; i++) {
      Example e = fresh.get(i);
      x[i] = e.features();
      y[i] = e.label();
      minEventTime = Math.min(minEventTime, e.eventTimeMillis());
      maxEventTime = Math.max(maxEventTime, e.eventTimeMillis());
      labelHighWater = Math.max(labelHighWater, e.labelTimeMillis());
    }
    double[] logits = ClassifierTrainer.logits(working.model(), x);
    for (int i = 0; i < logits.length; i++) {
      recentLogits.addLast(new double[] {logits[i], y[i]});
      if (recentLogits.size() > settings.calibrationWindow()) {
        recentLogits.removeFirst();
      }
    }
    try {
      working.update(x, y);
    } catch (RuntimeException e) {
      // A wrecked copy (e.g. saturated units with all-zero gradients) cannot train on: reject it
      // and start again from the base version rather than failing the pipeline.
      LOG.warn("training the copy of {} failed: {}", baseVersion, e.getMessage());
      ModelEvent event =
          ModelEvent.of(Type.CANDIDATE_REJECTED, baseVersion, SOURCE)
              .reason("training failed: " + e.getMessage())
              .build();
      rebase(baseVersion);
      return new Step(0, skipped, Optional.of(event));
    }
    examples += fresh.size();
    examplesSinceBase += fresh.size();
    if (++batchesSinceGate < settings.gateEvery() || heldByChallenger()) {
      // A held learner keeps its count: it gates at the first micro-batch after the hold.
      return new Step(fresh.size(), skipped, Optional.empty());
    }
    batchesSinceGate = 0;
    return new Step(fresh.size(), skipped, Optional.of(gate()));
  }

  /**
   * Whether a newer candidate must wait: the registry's challenger (the newest candidate after
   * production) is still under online evaluation, and has been for less than the hold in label
   * time. Online evaluation needs the challenger's predictions labelled, which takes at least the
   * label window; a newer candidate every few micro-batches would restart it each time and nothing
   * would ever be decided. The learner goes on training meanwhile, so the candidate registered
   * after the decision holds everything learnt since.
   */
  private boolean heldByChallenger() throws IOException {
    if (settings.challengerHoldMillis() == 0) {
      return false;
    }
    long now = System.currentTimeMillis();
    if (heldFor != null && now - challengerCheckedMillis < CHALLENGER_CHECK_MILLIS) {
      return labelHighWater - heldSinceLabelTime < settings.challengerHoldMillis();
    }
    challengerCheckedMillis = now;
    Optional<String> challenger = registry.challenger();
    if (challenger.isEmpty()) {
      heldFor = null;
      return false;
    }
    if (!challenger.get().equals(heldFor)) {
      heldFor = challenger.get();
      heldSinceLabelTime = labelHighWater;
    }
    boolean held = labelHighWater - heldSinceLabelTime < settings.challengerHoldMillis();
    if (!held && batchesSinceGate == settings.gateEvery()) {
      LOG.warn(
          "challenger {} still undecided online after {} h of label time; registering newer"
              + " candidates again",
          heldFor,
          settings.challengerHoldMillis() / 3_600_000.0);
    }
    return held;
  }

  /** Runs the offline gate on the calibrated working copy; registers it if it passes. */
  private ModelEvent gate() throws IOException, ModelRejectedException {
    String production = registry.production().orElseThrow();
    try (BinaryClassifier candidate = working.model().withCalibration(calibration());
        LoadedModel current = registry.load(production, fingerprint)) {
      OfflineGate.Verdict verdict = settings.gate().judge(candidate, current.classifier(), smoke);
      Map<String, Double> metrics = new LinkedHashMap<>();
      verdict.candidate().toMap().forEach((k, v) -> metrics.put("smoke_" + k, v));
      metrics.put("smoke_production_normalizedEntropy", verdict.production().normalizedEntropy());
      metrics.put(EXAMPLES_METRIC, (double) examples);
      metrics.put(LABEL_TIME_METRIC, (double) labelHighWater);
      ModelEvent.Builder event;
      if (verdict.passed()) {
        String id =
            registry.register(
                new Candidate(
                    candidate,
                    baseVersion,
                    new DataRange(
                        Instant.ofEpochMilli(minEventTime),
                        Instant.ofEpochMilli(maxEventTime),
                        examplesSinceBase),
                    metrics,
                    driftReference));
        event = ModelEvent.of(Type.CANDIDATE, id, SOURCE).parent(baseVersion);
        LOG.info("candidate {} passed the offline gate and is registered", id);
        // Continue from the registered candidate: its examples are now part of the lineage.
        baseVersion = id;
        heldFor = id;
        heldSinceLabelTime = labelHighWater;
        challengerCheckedMillis = System.currentTimeMillis();
        baseCalibration = candidate.calibration();
        minEventTime = Long.MAX_VALUE;
        maxEventTime = Long.MIN_VALUE;
        examplesSinceBase = 0;
      } else {
        event =
            ModelEvent.of(Type.CANDIDATE_REJECTED, baseVersion, SOURCE)
                .reason(String.join("; ", verdict.failures()));
        // An expected outcome, announced as an event with its evidence: not a warning.
        LOG.info("candidate from {} failed the offline gate: {}", baseVersion, verdict.failures());
        if (verdict.broken()) {
          // Unusable weights do not recover by training on: start again from the base version
          // (the examples since then are dropped from the lineage and its counts).
          rebase(baseVersion);
        }
      }
      return event
          .production(production)
          .examples(examples)
          .labelTime(Instant.ofEpochMilli(labelHighWater))
          .smokeTest(
              new ModelEvent.SmokeTest(
                  verdict.candidate().normalizedEntropy(),
                  verdict.production().normalizedEntropy(),
                  verdict.candidate().auc(),
                  verdict.production().auc(),
                  verdict.candidate().calibration(),
                  verdict.candidate().examples(),
                  settings.gate().maxNeRegression(),
                  settings.gate().maxCalibrationRatio()))
          .build();
    }
  }

  /**
   * Platt calibration fitted on the prequential logits when it is trustworthy: at least {@value
   * #MIN_CALIBRATION_POSITIVES} positives and negatives, a positive slope, and a lower log loss on
   * the window than the base version's calibration. Otherwise the base's calibration stays.
   */
  private PlattCalibration calibration() {
    double[] z = new double[recentLogits.size()];
    float[] y = new float[z.length];
    int positives = 0;
    int i = 0;
    for (double[] zy : recentLogits) {
      z[i] = zy[0];
      y[i] = (float) zy[1];
      positives += y[i] > 0.5f ? 1 : 0;
      i++;
    }
    if (positives < MIN_CALIBRATION_POSITIVES || z.length - positives < MIN_CALIBRATION_POSITIVES) {
      return baseCalibration;
    }
    PlattCalibration fitted = PlattCalibration.fit(z, y);
    return fitted.a() > 0 && logLoss(fitted, z, y) < logLoss(baseCalibration, z, y)
        ? fitted
        : baseCalibration;
  }

  private static double logLoss(PlattCalibration c, double[] z, float[] y) {
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      double p = Math.min(Math.max(c.probability((float) z[i]), 1e-7), 1 - 1e-7);
      sum -= y[i] > 0.5f ? Math.log(p) : Math.log(1 - p);
    }
    return sum / z.length;
  }

  @Override
  public void close() {
    if (working != null) {
      working.close();
    }
  }
}
