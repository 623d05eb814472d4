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
 *       trained from scratch on the trailing window of examples whose labels are known.
 * </ul>
 *
 * Durations are written as in feature specs ({@code 6h}, {@code 3d}).
 */
public record UpdatePolicy(String name, Kind kind, long periodMillis) implements Serializable {

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
    if (name.equals("static") || name.equals("never")) {
      return new UpdatePolicy("static", Kind.STATIC, 0);
    }
    if (name.equals("continual")) {
      return new UpdatePolicy("continual", Kind.CONTINUAL, 0);
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
                      + " continual, retrain-<period>)");
            }
            try {
              yield FeatureSpecs.duration(period.substring("every-".length()), "--policies")
                  .getMillis();
            } catch (RuntimeException e) {
              throw new IllegalArgumentException(
                  "--policies: bad duration in '" + text + "' (" + e.getMessage() + ")", e);
            }
          }
        };
    if (millis <= 0) {
      throw new IllegalArgumentException("--policies: the period of '" + text + "' must be > 0");
    }
    return new UpdatePolicy(name, retrain ? Kind.RETRAIN : Kind.WARM_START, millis);
  }
}
