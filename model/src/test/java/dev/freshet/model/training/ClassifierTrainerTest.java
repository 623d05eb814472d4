package dev.freshet.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.nn.ParameterList;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.CalibrationMethod;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.SyntheticData;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.prediction.Scorer;
import java.util.ArrayList;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

public class ClassifierTrainerTest {
  private static final ModelConfig SMALL =
      ModelConfig.builder()
          .hiddenLayers(16, 8)
          .embeddingDim(3)
          .learningRate(0.01f)
          .batchSize(64)
          .epochs(2)
          .seed(7)
          .build();

  private static SyntheticData train;
  private static SyntheticData test;

  @BeforeClass
  public static void data() {
    train = SyntheticData.generate(3000, 1);
    test = SyntheticData.generate(1000, 2);
  }

  @Test
  public void learnsSyntheticRuleWithCategoricalEffect() {
    ModelConfig config = SMALL.toBuilder().epochs(8).dropout(0.1f).build();
    try (BinaryClassifier model =
        ClassifierTrainer.of(config).train(SyntheticData.LAYOUT, train.features, train.labels)) {
      BinaryMetrics metrics = ModelEvaluation.evaluate(model, test.features, test.labels);
      assertThat(metrics.auc()).isGreaterThan(0.95);
      assertThat(metrics.normalizedEntropy()).isLessThan(0.5);
      assertThat(metrics.accuracy()).isGreaterThan(0.85);
    }
  }

  @Test
  public void sameDataAndSeedGiveIdenticalParameters() {
    ClassifierTrainer trainer = ClassifierTrainer.of(SMALL.toBuilder().dropout(0.2f).build());
    try (BinaryClassifier a = trainer.train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier b = trainer.train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier c =
            ClassifierTrainer.of(SMALL.toBuilder().dropout(0.2f).seed(8).build())
                .train(SyntheticData.LAYOUT, train.features, train.labels)) {
      assertThat(a.parameterBytes()).isEqualTo(b.parameterBytes());
      assertThat(a.parameterBytes()).isNotEqualTo(c.parameterBytes());
    }
  }

  @Test
  public void parametersRoundTripGivesIdenticalPredictions() {
    try (BinaryClassifier model =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier loaded =
            BinaryClassifier.fromParameters(
                model.layout(),
                model.config(),
                model.normalization(),
                model.calibration(),
                model.parameterBytes());
        Scorer s1 = model.newScorer();
        Scorer s2 = loaded.newScorer()) {
      assertThat(s2.score(test.features)).containsExactly(s1.score(test.features));
    }
  }

  @Test
  public void warmStartWithoutStepsKeepsPredictionsAndStatistics() {
    SyntheticData fresh = SyntheticData.generate(500, 3);
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier child =
            ClassifierTrainer.of(SMALL.toBuilder().epochs(0).build())
                .continueFrom(parent, fresh.features, fresh.labels);
        Scorer parentScorer = parent.newScorer();
        Scorer childScorer = child.newScorer()) {
      assertThat(child.normalization()).isEqualTo(parent.normalization());
      assertThat(childScorer.score(test.features))
          .containsExactly(parentScorer.score(test.features));
    }
  }

  @Test
  public void warmStartOnMicroBatchMovesAwayFromParentNotFromFreshInit() {
    SyntheticData microBatch = SyntheticData.generate(500, 4);
    ModelConfig update = SMALL.toBuilder().epochs(1).learningRate(0.001f).build();
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier child =
            ClassifierTrainer.of(update)
                .continueFrom(parent, microBatch.features, microBatch.labels);
        BinaryClassifier scratch =
            ClassifierTrainer.of(update)
                .train(SyntheticData.LAYOUT, microBatch.features, microBatch.labels)) {
      double moved = distance(child, parent);
      assertThat(moved).isGreaterThan(0);
      assertThat(moved).isLessThan(distance(scratch, parent) / 10);
      assertThat(distance(parent, parent)).isZero();
    }
  }

  @Test
  public void refitNormalizationOnWarmStartRecomputesStatistics() {
    SyntheticData shifted = SyntheticData.generate(500, 5);
    for (float[] row : shifted.features) {
      row[0] += 1000f;
    }
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier child =
            ClassifierTrainer.of(SMALL.toBuilder().epochs(1).refitNormalization(true).build())
                .continueFrom(parent, shifted.features, shifted.labels)) {
      assertThat(child.normalization().mean()[0])
          .isCloseTo(parent.normalization().mean()[0] + 1000, within(20.0));
    }
  }

  @Test
  public void plattCalibrationRepairsClassWeightedProbabilities() {
    SyntheticData rare = SyntheticData.imbalanced(6000, 11);
    SyntheticData holdout = SyntheticData.imbalanced(4000, 12);
    ModelConfig weighted =
        SMALL.toBuilder().epochs(4).positiveClassWeight(15f).calibrationFraction(0.3f).build();
    try (BinaryClassifier raw =
            ClassifierTrainer.of(weighted).train(SyntheticData.LAYOUT, rare.features, rare.labels);
        BinaryClassifier calibrated =
            ClassifierTrainer.of(weighted.toBuilder().calibration(CalibrationMethod.PLATT).build())
                .train(SyntheticData.LAYOUT, rare.features, rare.labels)) {
      BinaryMetrics before = ModelEvaluation.evaluate(raw, holdout.features, holdout.labels);
      BinaryMetrics after = ModelEvaluation.evaluate(calibrated, holdout.features, holdout.labels);
      assertThat(before.baseRate()).isBetween(0.02, 0.12);
      assertThat(before.calibration()).isGreaterThan(2.0);
      assertThat(after.calibration()).isBetween(0.8, 1.25);
      assertThat(after.logLoss()).isLessThan(before.logLoss());
      assertThat(after.auc()).isGreaterThan(0.75);
    }
  }

  @Test
  public void nonFiniteAndOutOfRangeInputsScoreFinite() {
    try (BinaryClassifier model =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        Scorer scorer = model.newScorer()) {
      float[][] bad = {
        {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN},
        {1e30f, -1e30f, 0f, 99f},
        {50f, 0.5f, 0f, -3f}
      };
      float[] scores = scorer.score(bad);
      assertThat(scores).hasSize(3);
      for (float s : scores) {
        assertThat(s).isBetween(0f, 1f);
      }
      assertThat(scorer.score(bad[2])).isEqualTo(scores[2]);
    }
  }

  @Test
  public void reportsProgressPerEpoch() {
    List<TrainingProgress> reports = new ArrayList<>();
    SyntheticData small = SyntheticData.generate(500, 6);
    try (BinaryClassifier model =
        ClassifierTrainer.of(SMALL.toBuilder().epochs(3).build())
            .withProgress(reports::add)
            .train(SyntheticData.LAYOUT, small.features, small.labels)) {
      assertThat(model.layout()).isEqualTo(SyntheticData.LAYOUT);
      assertThat(reports).extracting(TrainingProgress::epoch).containsExactly(1, 2, 3);
      assertThat(reports)
          .extracting(TrainingProgress::examplesSeen)
          .containsExactly(500L, 1000L, 1500L);
      assertThat(reports.get(2).meanLoss()).isLessThan(reports.get(0).meanLoss());
    }
  }

  @Test
  public void continualTrainingCarriesTheOptimiserAcrossUpdates() {
    // One mini-batch after a long run: a kept Adam has moment estimates that damp the step, a new
    // Adam's first step moves every weight by about the learning rate whatever the gradient.
    SyntheticData next = SyntheticData.generate(64, 6);
    ModelConfig update = SMALL.toBuilder().epochs(1).build();
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        ContinualTraining learner = ClassifierTrainer.of(update).continual(parent, 0)) {
      learner.update(train.features, train.labels);
      try (BinaryClassifier before = learner.snapshot()) {
        learner.update(next.features, next.labels);
        try (BinaryClassifier kept = learner.snapshot();
            BinaryClassifier fresh =
                ClassifierTrainer.of(update).continueFrom(before, next.features, next.labels)) {
          assertThat(distance(kept, before)).isGreaterThan(0);
          assertThat(distance(kept, before)).isLessThan(distance(fresh, before) / 2);
        }
      }
      assertThat(learner.updates()).isEqualTo(2);
      assertThat(learner.examples()).isEqualTo(train.features.length + 64L);
    }
  }

  @Test
  public void continualTrainingRampsUpItsLearningRate() {
    SyntheticData first = SyntheticData.generate(256, 10);
    ModelConfig update = SMALL.toBuilder().epochs(1).build();
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        ContinualTraining ramped = ClassifierTrainer.of(update).continual(parent);
        ContinualTraining direct = ClassifierTrainer.of(update).continual(parent, 0)) {
      ramped.update(first.features, first.labels);
      direct.update(first.features, first.labels);
      // Four steps into a 50-step ramp: at most a tenth of the rate.
      assertThat(distance(ramped.model(), parent)).isGreaterThan(0);
      assertThat(distance(ramped.model(), parent)).isLessThan(distance(direct.model(), parent) / 5);
    }
  }

  @Test
  public void continualTrainingIsDeterministicAndLeavesItsParentAlone() {
    SyntheticData a = SyntheticData.generate(500, 8);
    SyntheticData b = SyntheticData.generate(500, 9);
    ModelConfig update = SMALL.toBuilder().epochs(1).build();
    try (BinaryClassifier parent =
            ClassifierTrainer.of(SMALL).train(SyntheticData.LAYOUT, train.features, train.labels);
        BinaryClassifier parentBefore = parent.withCalibration(parent.calibration());
        ContinualTraining one = ClassifierTrainer.of(update).continual(parent);
        ContinualTraining two = ClassifierTrainer.of(update).continual(parent)) {
      for (ContinualTraining learner : List.of(one, two)) {
        learner.update(a.features, a.labels);
        learner.update(b.features, b.labels);
      }
      assertThat(one.model().parameterBytes()).isEqualTo(two.model().parameterBytes());
      assertThat(distance(parent, parentBefore)).isZero();
      assertThat(distance(one.model(), parent)).isGreaterThan(0);
      BinaryMetrics metrics = ModelEvaluation.evaluate(one.model(), test.features, test.labels);
      assertThat(metrics.auc()).isGreaterThan(0.9);
    }
  }

  private static double distance(BinaryClassifier a, BinaryClassifier b) {
    double sum = 0;
    ParameterList pa = a.block().getParameters();
    ParameterList pb = b.block().getParameters();
    for (int i = 0; i < pa.size(); i++) {
      float[] x = pa.get(i).getValue().getArray().toFloatArray();
      float[] y = pb.get(i).getValue().getArray().toFloatArray();
      for (int j = 0; j < x.length; j++) {
        sum += (double) (x[j] - y[j]) * (x[j] - y[j]);
      }
    }
    return Math.sqrt(sum);
  }
}
