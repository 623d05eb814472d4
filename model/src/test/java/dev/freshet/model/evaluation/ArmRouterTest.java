package dev.freshet.model.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.freshet.model.evaluation.ArmRouter.Arm;
import dev.freshet.model.evaluation.ArmRouter.Posteriors;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.Test;

public class ArmRouterTest {

  @Test
  public void abAssignmentIsStickyPerEntityAndSplitsAsAsked() {
    ArmRouter ab = new ArmRouter(Routing.AB, 0.5, 1);
    Map<String, Arm> first = new HashMap<>();
    int challenger = 0;
    for (int e = 0; e < 10_000; e++) {
      String entity = "card-" + e;
      Arm arm = ab.route(entity, "event-" + e, true, Posteriors.UNIFORM);
      first.put(entity, arm);
      challenger += arm == Arm.CHALLENGER ? 1 : 0;
    }
    assertThat(challenger / 10_000.0).isCloseTo(0.5, within(0.03));
    // Later events of the same entities land on the same arm, whatever their ids.
    for (int e = 0; e < 10_000; e++) {
      String entity = "card-" + e;
      assertThat(ab.route(entity, "later-" + e, true, Posteriors.UNIFORM))
          .isEqualTo(first.get(entity));
    }
  }

  @Test
  public void canarySendsASmallShareAndNothingWithoutAChallenger() {
    ArmRouter canary = new ArmRouter(Routing.CANARY, 0.05, 1);
    int challenger = 0;
    for (int e = 0; e < 20_000; e++) {
      challenger +=
          canary.route("rider-" + e, "e" + e, true, Posteriors.UNIFORM) == Arm.CHALLENGER ? 1 : 0;
      assertThat(canary.route("rider-" + e, "e" + e, false, Posteriors.UNIFORM))
          .isEqualTo(Arm.PRODUCTION);
    }
    assertThat(challenger / 20_000.0).isCloseTo(0.05, within(0.01));
  }

  @Test
  public void shadowAndProductionLetProductionDecide() {
    for (Routing r : new Routing[] {Routing.SHADOW, Routing.PRODUCTION}) {
      ArmRouter router = new ArmRouter(r, 0.5, 1);
      assertThat(router.route("c", "e", true, Posteriors.UNIFORM)).isEqualTo(Arm.PRODUCTION);
    }
    assertThat(new ArmRouter(Routing.SHADOW, 0.5, 1).challengerScoresAll()).isTrue();
  }

  /**
   * Thompson sampling with simulated feedback: the challenger gives the true label probability 0.85
   * on average, production 0.80. Starting from uniform posteriors, traffic moves to the challenger;
   * with the arms swapped it stays with production.
   */
  @Test
  public void theBanditShiftsTrafficTowardsTheBetterArm() {
    assertThat(challengerShareOfLastThousand(0.80, 0.85)).isGreaterThan(0.8);
    assertThat(challengerShareOfLastThousand(0.85, 0.80)).isLessThan(0.2);
  }

  private static double challengerShareOfLastThousand(double production, double challenger) {
    ArmRouter bandit = new ArmRouter(Routing.BANDIT, 0, 7);
    Random outcomes = new Random(3);
    double[] ab = {1, 1, 1, 1};
    int lastThousand = 0;
    for (int t = 0; t < 6_000; t++) {
      Arm arm =
          bandit.route(
              "entity-" + t, "event-" + t, true, new Posteriors(ab[0], ab[1], ab[2], ab[3]));
      double mean = arm == Arm.CHALLENGER ? challenger : production;
      // The reward is the probability the arm gave the true label: around its mean, in [0, 1].
      double reward = Math.min(1, Math.max(0, mean + 0.1 * outcomes.nextGaussian()));
      int i = arm == Arm.CHALLENGER ? 2 : 0;
      ab[i] += reward;
      ab[i + 1] += 1 - reward;
      if (t >= 5_000 && arm == Arm.CHALLENGER) {
        lastThousand++;
      }
    }
    return lastThousand / 1000.0;
  }

  @Test
  public void betaDrawsHaveTheRightMean() {
    SplittableRandom random = new SplittableRandom(1);
    double sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += ArmRouter.beta(random, 2, 6);
    }
    assertThat(sum / 20_000).isCloseTo(0.25, within(0.01));
    double small = 0;
    for (int i = 0; i < 20_000; i++) {
      small += ArmRouter.beta(random, 0.5, 0.5);
    }
    assertThat(small / 20_000).isCloseTo(0.5, within(0.01));
  }
}
