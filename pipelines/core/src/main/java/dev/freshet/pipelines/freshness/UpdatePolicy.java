package dev.freshet.pipelines.freshness;

import dev.freshet.transforms.features.FeatureSpecs;
import java.io.Serializable;
import java.util.Locale;

/**
 * How often, and how, a model is brought up to date while a stream is replayed.
 *
 * <ul>
 *   <li>{@code static} (or {@code never}): the initial model, never updated.
 *   <li>{@code monthly} (30 days), {@code weekly}, {@code daily}, {@code hourly}, {@code
 *       every-<duration>}: at each update point, a warm start from the previous model on the
 *       examples whose labels became known since the last one.
 *   <li>{@code continual}: a warm start on every micro-batch of newly known labels, as {@code
 *       learn} does.
 *   <li>{@code retrain-monthly}, {@code retrain-weekly}, {@code retrain-daily}, {@code
 *       retrain-hourly}, {@code retrain-every-<duration>}: at each update point, a new model
 *       trained from scratch on the labels that became known in a trailing window.
 * </ul>
 *
 * A policy may override the experiment's settings after colons, so that one run can sweep them:
 * {@code passes=<n>} (passes over the examples of an update or a retrain), {@code lr=<factor>}
 * (learning rate relative to the initial model's), {@code window=<duration>} (a retrain's trailing
 * window) and, for warm starts, {@code adam=keep} (one optimiser carried across all updates) or
 * {@code adam=new} (a new optimiser per update), and {@code seed=<n>} (the training seed, for
 * repeats that show how much a policy's result owes to chance). Examples: {@code
 * daily:adam=keep:lr=1}, {@code retrain-daily:window=4d:passes=1}. Durations are written as in
 * feature specs ({@code 6h}, {@code 3d}).
 *
 * @param passes null: the experiment's setting
 * @param learningRateFactor null: the experiment's setting
 * @param windowMillis null: the experiment's setting (retrains only)
 * @param keepOptimizer null: the experiment's setting (warm starts only)
 * @param seed null: the experiment's setting
 */
public record UpdatePolicy(
    String name,
    Kind kind,
    long periodMillis,
    Integer passes,
    Double learningRateFactor,
    Long windowMillis,
    Boolean keepOptimizer,
    Long seed)
    implements Serializable {

  /** What an update does. */
  public enum Kind {
    STATIC,
    WARM_START,
    CONTINUAL,
    RETRAIN
  }

  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;

  /** The policy named {@code text} (see the class comment); names the option on error. */
  public static UpdatePolicy parse(String text) {
    String name = text.trim().toLowerCase(Locale.ROOT);
    String[] parts = name.split(":");
    UpdatePolicy policy = base(text, parts[0]);
    for (int i = 1; i < parts.length; i++) {
      policy = policy.with(text, parts[i]);
    }
    return new UpdatePolicy(
        name,
        policy.kind,
        policy.periodMillis,
        policy.passes,
        policy.learningRateFactor,
        policy.windowMillis,
        policy.keepOptimizer,
        policy.seed);
  }

  /** Whether updates change the model (every kind but {@code static}). */
  public boolean updates() {
    return kind != Kind.STATIC;
  }

  private static UpdatePolicy base(String text, String name) {
    if (name.equals("static") || name.equals("never")) {
      return of("static", Kind.STATIC, 0);
    }
    if (name.equals("continual")) {
      return of(name, Kind.CONTINUAL, 0);
    }
    boolean retrain = name.startsWith("retrain-");
    String period = retrain ? name.substring("retrain-".length()) : name;
    long millis =
        switch (period) {
          case "monthly" -> 30 * DAY;
          case "weekly" -> 7 * DAY;
          case "daily" -> DAY;
          case "hourly" -> HOUR;
          default -> {
            if (!period.startsWith("every-")) {
              throw new IllegalArgumentException(
                  "--policies: unknown policy '"
                      + text
                      + "' (known: static, monthly, weekly, daily, hourly, every-<duration>,"
                      + " continual, retrain-<period>, each with optional :passes=<n>,"
                      + " :lr=<factor>, :window=<duration> (retrains), :adam=keep|new (warm"
                      + " starts))");
            }
            yield duration(text, period.substring("every-".length()));
          }
        };
    if (millis <= 0) {
      throw new IllegalArgumentException("--policies: the period of '" + text + "' must be > 0");
    }
    return of(name, retrain ? Kind.RETRAIN : Kind.WARM_START, millis);
  }

  private static UpdatePolicy of(String name, Kind kind, long periodMillis) {
    return new UpdatePolicy(name, kind, periodMillis, null, null, null, null, null);
  }

  /** This policy with one {@code key=value} setting applied. */
  private UpdatePolicy with(String text, String setting) {
    int eq = setting.indexOf('=');
    String key = eq < 0 ? setting : setting.substring(0, eq);
    String value = eq < 0 ? "" : setting.substring(eq + 1);
    if (kind == Kind.STATIC) {
      throw new IllegalArgumentException(
          "--policies: '" + text + "': the static policy takes no settings");
    }
    boolean retrain = kind == Kind.RETRAIN;
    try {
      return switch (key) {
        case "passes" -> {
          int n = Integer.parseInt(value);
          if (n < 1) {
            throw new IllegalArgumentException("passes must be at least 1");
          }
          yield new UpdatePolicy(
              name, kind, periodMillis, n, learningRateFactor, windowMillis, keepOptimizer, seed);
        }
        case "lr" -> {
          double f = Double.parseDouble(value);
          if (!(f > 0) || Double.isInfinite(f)) {
            throw new IllegalArgumentException("lr must be a positive factor");
          }
          yield new UpdatePolicy(
              name, kind, periodMillis, passes, f, windowMillis, keepOptimizer, seed);
        }
        case "window" -> {
          if (!retrain) {
            throw new IllegalArgumentException("window applies to retrain-<period> policies only");
          }
          yield new UpdatePolicy(
              name,
              kind,
              periodMillis,
              passes,
              learningRateFactor,
              duration(text, value),
              keepOptimizer,
              seed);
        }
        case "adam" -> {
          if (retrain) {
            throw new IllegalArgumentException(
                "adam applies to warm starts only (a retrain always starts a new optimiser)");
          }
          if (!value.equals("keep") && !value.equals("new")) {
            throw new IllegalArgumentException("adam must be keep or new");
          }
          yield new UpdatePolicy(
              name,
              kind,
              periodMillis,
              passes,
              learningRateFactor,
              windowMillis,
              value.equals("keep"),
              seed);
        }
        case "seed" ->
            new UpdatePolicy(
                name,
                kind,
                periodMillis,
                passes,
                learningRateFactor,
                windowMillis,
                keepOptimizer,
                Long.parseLong(value));
        default ->
            throw new IllegalArgumentException(
                "unknown setting '" + key + "' (known: passes, lr, window, adam, seed)");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--policies: '" + text + "': " + key + " needs a number, got '" + value + "'", e);
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith("--policies")) {
        throw e;
      }
      throw new IllegalArgumentException("--policies: '" + text + "': " + e.getMessage(), e);
    }
  }

  private static long duration(String text, String value) {
    long millis;
    try {
      millis = FeatureSpecs.duration(value, "--policies").getMillis();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "--policies: bad duration in '" + text + "' (" + e.getMessage() + ")", e);
    }
    if (millis <= 0) {
      throw new IllegalArgumentException("--policies: the duration in '" + text + "' must be > 0");
    }
    return millis;
  }
}
