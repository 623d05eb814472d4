package dev.freshet.model.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.model.evaluation.OnlinePromoter.Look;
import dev.freshet.model.evaluation.OnlinePromoter.Rule;
import dev.freshet.model.evaluation.OnlinePromoter.Verdict;
import java.util.Random;
import org.junit.Test;

/**
 * The online rule on simulated traffic: each event has a true positive probability q; an arm
 * predicts q blurred on the logit scale by its own noise, and the label is drawn from q. Less noise
 * is a better model.
 */
public class OnlinePromoterTest {
  private static final Rule RULE = new Rule(300, 5, 0.05, 4);

  @Test
  public void thresholdsAreTheNormalQuantiles() {
    assertThat(new Rule(300, 5, 0.05, 1).zThreshold()).isCloseTo(1.6449, within(1e-4));
    assertThat(new Rule(300, 5, 0.001, 1).zThreshold()).isCloseTo(3.0902, within(1e-4));
    // Bonferroni over the looks: alpha / looks per look.
    assertThat(RULE.zThreshold()).isCloseTo(2.2414, within(1e-4));
  }

  @Test
  public void aChallengerBetterOnlineIsPromoted() {
    assertThat(run(new Random(1), 1.5, 0.3).verdict()).isEqualTo(Verdict.PROMOTE);
  }

  /** However good it was offline, a challenger that predicts worse on live traffic is rejected. */
  @Test
  public void aChallengerWorseOnlineIsNotPromoted() {
    assertThat(run(new Random(2), 0.3, 1.5).verdict()).isEqualTo(Verdict.REJECT);
  }

  /** The stated error rate: with equally good arms, false promotions stay within alpha. */
  @Test
  public void equallyGoodArmsArePromotedAtMostAlphaOfTheTime() {
    Random random = new Random(3);
    int promoted = 0;
    int trials = 300;
    for (int t = 0; t < trials; t++) {
      promoted += run(random, 0.8, 0.8).verdict() == Verdict.PROMOTE ? 1 : 0;
    }
    System.out.printf("false promotions: %d of %d equal-arm trials%n", promoted, trials);
    // alpha = 5% is an upper bound (Bonferroni over four looks); allow binomial noise around it.
    assertThat(promoted / (double) trials).isLessThanOrEqualTo(0.07);
  }

  @Test
  public void aPromotionThatDegradesOnlineIsRolledBackAndAGoodOneConfirmed() {
    Random random = new Random(4);
    OnlinePromoter promoter = new OnlinePromoter(RULE);
    // The predecessor's record while it was production.
    for (int i = 0; i < 4000; i++) {
      double q = trueProbability(random);
      promoter.observe("v1", blur(random, q, 0.3), random.nextDouble() < q);
    }
    OnlinePromoter.ArmStats before = promoter.stats("v1");
    assertThat(monitor(promoter, before, "v2", random, 1.5).verdict()).isEqualTo(Verdict.ROLL_BACK);
    assertThat(monitor(promoter, before, "v3", random, 0.3).verdict()).isEqualTo(Verdict.CONFIRM);
  }

  /**
   * A predecessor whose record at the promotion is smaller than the later looks need: the looks
   * follow the promoted version's growing record, so the monitoring still decides (and with it the
   * next challenger can be judged); a record too small for any look confirms at once.
   */
  @Test
  public void aPromotionOverASmallRecordIsStillDecided() {
    Random random = new Random(9);
    OnlinePromoter promoter = new OnlinePromoter(RULE);
    for (int i = 0; i < 800; i++) {
      double q = trueProbability(random);
      promoter.observe("v1", blur(random, q, 0.3), random.nextDouble() < q);
    }
    OnlinePromoter.ArmStats before = promoter.stats("v1");
    assertThat(before.positives()).isGreaterThanOrEqualTo(RULE.minPositives());
    assertThat(monitor(promoter, before, "v2", random, 3.0).verdict()).isEqualTo(Verdict.ROLL_BACK);
    assertThat(monitor(promoter, before, "v3", random, 0.3).verdict()).isEqualTo(Verdict.CONFIRM);

    OnlinePromoter.ArmStats tiny = new OnlinePromoter(RULE).stats("none");
    Look look = promoter.judgePromotion(tiny, "v4");
    assertThat(look.verdict()).isEqualTo(Verdict.CONFIRM);
    assertThat(look.z()).isNaN();
  }

  private static Look monitor(
      OnlinePromoter promoter,
      OnlinePromoter.ArmStats before,
      String promoted,
      Random random,
      double noise) {
    for (int i = 0; i < 100_000; i++) {
      double q = trueProbability(random);
      promoter.observe(promoted, blur(random, q, noise), random.nextDouble() < q);
      Look look = promoter.judgePromotion(before, promoted);
      if (look.verdict() != Verdict.WAIT) {
        return look;
      }
    }
    throw new AssertionError("no decision");
  }

  /** Production and challenger score the same stream (as in shadow mode) until a decision. */
  private static Look run(Random random, double productionNoise, double challengerNoise) {
    OnlinePromoter promoter = new OnlinePromoter(RULE);
    for (int i = 0; i < 100_000; i++) {
      double q = trueProbability(random);
      boolean label = random.nextDouble() < q;
      promoter.observe("p", blur(random, q, productionNoise), label);
      promoter.observe("c", blur(random, q, challengerNoise), label);
      Look look = promoter.judgeChallenger("p", "c");
      if (look.verdict() != Verdict.WAIT) {
        return look;
      }
    }
    throw new AssertionError("no decision");
  }

  /** Fraud-like: mostly small probabilities, some large. */
  private static double trueProbability(Random random) {
    return random.nextDouble() < 0.05
        ? 0.5 + 0.5 * random.nextDouble()
        : 0.03 * random.nextDouble();
  }

  private static double blur(Random random, double q, double noise) {
    double logit = Math.log(q / (1 - q)) + noise * random.nextGaussian();
    return 1 / (1 + Math.exp(-logit));
  }
}
