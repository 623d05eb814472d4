package dev.freshet.model.evaluation;

import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.BinaryMetricsAccumulator;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The online gate and the promoter's statistics (DESIGN contract 5), in plain Java. Per model
 * version it keeps the labelled predictions that version made: log loss (mean and variance), the
 * bandit reward (the probability it gave the true label) and NE, AUC and calibration for evidence.
 *
 * <p><b>The rule.</b> A challenger is better than production when its mean log loss per labelled
 * prediction is lower with one-sided significance, by Welch's z on the two samples:
 *
 * <pre>z = (mean_production − mean_challenger) / sqrt(var_p / n_p + var_c / n_c)</pre>
 *
 * The test is taken at {@link Rule#looks} looks, when the smaller arm has {@code minExamples × 2^k}
 * labelled predictions (k = 0, 1, ...) and at least {@code minPositives} positives, each look at
 * level {@code alpha / looks} (Bonferroni). So with equally good models the chance of a false
 * promotion over all looks is at most {@code alpha} (one-sided); a challenger significantly
 * <em>worse</em> at a look is rejected, and one still undecided at the last look is rejected as
 * inconclusive (production stays). After a promotion the same rule, reversed, compares the new
 * production's predictions since the promotion with its predecessor's before it: significantly
 * worse means roll back.
 */
public final class OnlinePromoter {
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  /** Settings of the rule. */
  public record Rule(int minExamples, int minPositives, double alpha, int looks)
      implements Serializable {
    public Rule {
      if (minExamples < 30) {
        throw new IllegalArgumentException(
            "--minOnlineExamples must be at least 30 for the normal approximation, got "
                + minExamples);
      }
      if (minPositives < 1) {
        throw new IllegalArgumentException(
            "--minOnlinePositives must be at least 1, got " + minPositives);
      }
      if (!(alpha > 0 && alpha < 0.5)) {
        throw new IllegalArgumentException("--onlineAlpha must be in (0, 0.5), got " + alpha);
      }
      if (looks < 1) {
        throw new IllegalArgumentException("--onlineLooks must be at least 1, got " + looks);
      }
    }

    /** The z a look must reach: the {@code 1 − alpha/looks} quantile of the standard normal. */
    public double zThreshold() {
      return STANDARD_NORMAL.inverseCumulativeProbability(1 - alpha / looks);
    }
  }

  /** Online statistics of one version's labelled predictions. */
  public static final class ArmStats implements Serializable {
    private long n;
    private long positives;
    private double meanLoss;
    private double m2;
    private double rewardSum;
    private final BinaryMetricsAccumulator metrics = BinaryMetricsAccumulator.create();

    /** Adds one labelled prediction with score {@code p}. */
    public void add(double p, boolean label) {
      double q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
      double loss = label ? -Math.log(q) : -Math.log(1 - q);
      n++;
      positives += label ? 1 : 0;
      double delta = loss - meanLoss;
      meanLoss += delta / n;
      m2 += delta * (loss - meanLoss);
      rewardSum += label ? p : 1 - p;
      metrics.add(p, label);
    }

    public long examples() {
      return n;
    }

    public long positives() {
      return positives;
    }

    public double meanLogLoss() {
      return meanLoss;
    }

    double variance() {
      return n > 1 ? m2 / (n - 1) : 0;
    }

    /** Beta posterior of the reward from a uniform prior: {@code (1 + Σr, 1 + Σ(1−r))}. */
    public double[] posterior() {
      return new double[] {1 + rewardSum, 1 + (n - rewardSum)};
    }

    public BinaryMetrics metrics() {
      return metrics.result();
    }
  }

  /** What a look concluded. */
  public enum Verdict {
    /** Not enough labelled predictions for the next look, or a look that decided nothing. */
    WAIT,
    /** The challenger is better: promote it. */
    PROMOTE,
    /** The challenger is worse, or still undecided at the last look: reject it. */
    REJECT,
    /** After a promotion: the new production is worse than its predecessor was: roll back. */
    ROLL_BACK,
    /** After a promotion: the last look found it no worse; monitoring ends. */
    CONFIRM
  }

  /** A look's verdict with its evidence. */
  public record Look(Verdict verdict, int look, double z, double threshold) {}

  private final Rule rule;
  private final Map<String, ArmStats> arms = new HashMap<>();
  private final Map<String, Integer> looksTaken = new HashMap<>();

  public OnlinePromoter(Rule rule) {
    this.rule = rule;
  }

  public Rule rule() {
    return rule;
  }

  /** Records a labelled prediction of {@code version}. */
  public void observe(String version, double score, boolean label) {
    arms.computeIfAbsent(version, v -> new ArmStats()).add(score, label);
  }

  /** The statistics of {@code version} so far (empty ones if it has none). */
  public ArmStats stats(String version) {
    return arms.getOrDefault(version, new ArmStats());
  }

  /**
   * Removes and returns {@code version}'s statistics (empty ones if none), e.g. when it starts a
   * new role: a new comparison period, or a promotion.
   */
  public ArmStats take(String version) {
    looksTaken.remove(version);
    ArmStats stats = arms.remove(version);
    return stats != null ? stats : new ArmStats();
  }

  /** Every version's Beta posterior of the bandit reward, keyed by version. */
  public Map<String, double[]> posteriors() {
    Map<String, double[]> out = new HashMap<>();
    arms.forEach((v, s) -> out.put(v, s.posterior()));
    return out;
  }

  /** Compares challenger {@code c} with production {@code p}: PROMOTE, REJECT or WAIT. */
  public Look judgeChallenger(String p, String c) {
    return judge(stats(p), stats(c), c, Verdict.PROMOTE, Verdict.REJECT, false);
  }

  /**
   * Compares the promoted version {@code promoted} (its predictions since the promotion) with its
   * predecessor's statistics from before: ROLL_BACK, CONFIRM or WAIT.
   */
  public Look judgePromotion(ArmStats predecessor, String promoted) {
    // "Better" here means the predecessor is better: reaching it rolls back.
    return judge(stats(promoted), predecessor, promoted, Verdict.ROLL_BACK, Verdict.CONFIRM, true);
  }

  /**
   * Looks at whether {@code better} has a lower mean log loss than {@code base}; {@code key} counts
   * the looks. Significantly lower: {@code ifBetter}; significantly higher, or nothing significant
   * at the last look: {@code otherwise}.
   *
   * <p>{@code betterFrozen}: {@code better} is a closed record (a predecessor's, from before a
   * promotion) that will not grow, so the looks follow {@code base} alone; a closed record too
   * small for the first look can never be compared against and gives {@code otherwise} at once
   * (else the monitoring would wait for ever, and with it every later challenger).
   */
  private Look judge(
      ArmStats base,
      ArmStats better,
      String key,
      Verdict ifBetter,
      Verdict otherwise,
      boolean betterFrozen) {
    int taken = looksTaken.getOrDefault(key, 0);
    long needed = (long) rule.minExamples() << taken;
    double threshold = rule.zThreshold();
    if (betterFrozen
        && taken < rule.looks()
        && (better.examples() < rule.minExamples() || better.positives() < rule.minPositives())) {
      looksTaken.put(key, rule.looks());
      return new Look(otherwise, rule.looks(), Double.NaN, threshold);
    }
    long n = betterFrozen ? base.examples() : Math.min(base.examples(), better.examples());
    if (taken >= rule.looks()
        || n < needed
        || Math.min(base.positives(), better.positives()) < rule.minPositives()) {
      return new Look(Verdict.WAIT, taken, Double.NaN, threshold);
    }
    looksTaken.put(key, taken + 1);
    double se =
        Math.sqrt(base.variance() / base.examples() + better.variance() / better.examples());
    double z = se > 0 ? (base.meanLogLoss() - better.meanLogLoss()) / se : 0;
    if (z >= threshold) {
      return new Look(ifBetter, taken + 1, z, threshold);
    }
    if (z <= -threshold || taken + 1 == rule.looks()) {
      return new Look(otherwise, taken + 1, z, threshold);
    }
    return new Look(Verdict.WAIT, taken + 1, z, threshold);
  }
}
