package dev.freshet.model.evaluation;

import dev.freshet.transforms.features.StableHash;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Chooses which arm decides an event under a {@link Routing} policy. Deterministic: the same entity
 * always lands on the same side of an A/B or canary split, and a bandit's draw for an event depends
 * only on the seed, the event id and the posteriors, so a replay routes the same way.
 */
public final class ArmRouter implements Serializable {
  /** The two arms: the production version and the challenger under evaluation. */
  public enum Arm {
    PRODUCTION,
    CHALLENGER;

    /** The name on predictions. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Beta posteriors of each arm's reward; {@code Beta(1, 1)} (uniform) before any evidence. */
  public record Posteriors(
      double productionAlpha, double productionBeta, double challengerAlpha, double challengerBeta)
      implements Serializable {
    public static final Posteriors UNIFORM = new Posteriors(1, 1, 1, 1);
  }

  private static final int SPLIT_BUCKETS = 10_000;

  private final Routing routing;
  private final double challengerShare;
  private final long seed;

  /**
   * @param challengerShare share of entities the challenger decides for under {@link Routing#AB}
   *     and {@link Routing#CANARY} (0..1)
   */
  public ArmRouter(Routing routing, double challengerShare, long seed) {
    if (!(challengerShare >= 0 && challengerShare <= 1)) {
      throw new IllegalArgumentException(
          "--challengerShare must be between 0 and 1, got " + challengerShare);
    }
    this.routing = routing;
    this.challengerShare = challengerShare;
    this.seed = seed;
  }

  public Routing routing() {
    return routing;
  }

  /** Whether the challenger scores every event (shadow) rather than only those it decides. */
  public boolean challengerScoresAll() {
    return routing == Routing.SHADOW;
  }

  /**
   * The arm that decides the event of {@code entity} with id {@code eventId}; production whenever
   * there is no challenger.
   */
  public Arm route(String entity, String eventId, boolean hasChallenger, Posteriors posteriors) {
    if (!hasChallenger) {
      return Arm.PRODUCTION;
    }
    return switch (routing) {
      case PRODUCTION, SHADOW -> Arm.PRODUCTION;
      case AB, CANARY ->
          Math.floorMod(StableHash.of(entity), SPLIT_BUCKETS) < challengerShare * SPLIT_BUCKETS
              ? Arm.CHALLENGER
              : Arm.PRODUCTION;
      case BANDIT -> {
        SplittableRandom random = new SplittableRandom(seed ^ StableHash.of(eventId));
        double p = beta(random, posteriors.productionAlpha(), posteriors.productionBeta());
        double c = beta(random, posteriors.challengerAlpha(), posteriors.challengerBeta());
        yield c > p ? Arm.CHALLENGER : Arm.PRODUCTION;
      }
    };
  }

  /** A draw from {@code Beta(a, b)} as {@code X / (X + Y)} with Gamma-distributed X and Y. */
  static double beta(SplittableRandom random, double a, double b) {
    double x = gamma(random, a);
    double y = gamma(random, b);
    return x / (x + y);
  }

  /** Marsaglia and Tsang's method (2000); for shape below 1, boosted by {@code U^(1/shape)}. */
  static double gamma(SplittableRandom random, double shape) {
    if (shape < 1) {
      return gamma(random, shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = gaussian(random);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = random.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
