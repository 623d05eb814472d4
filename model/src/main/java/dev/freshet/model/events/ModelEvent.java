package dev.freshet.model.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import dev.freshet.transforms.drift.FeatureDrift;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One decision of the model lifecycle, as published on the {@code model-events} topic (one JSON
 * object per event, keyed by the version it concerns). The registry is the source of truth (serving
 * watches its production pointer); these events tell people and other services what happened and
 * why, with the evidence.
 *
 * <p>Every event has a {@link Type}, the version it concerns, when and by what ({@code learn},
 * {@code promoter}, {@code serve}, {@code freshet models}); the other fields belong to some types
 * only and are null elsewhere:
 *
 * <ul>
 *   <li>{@code candidate} / {@code candidate_rejected} by the learner: {@code parent} (passed),
 *       {@code reason} (rejected), {@code production}, {@code examples} learnt, {@code label_time}
 *       reached and the {@code smoke_test} evidence;
 *   <li>{@code promoted} / {@code candidate_rejected} / {@code rolled_back} by the promoter: the
 *       {@code online} evidence of both arms and the test, and {@code previous}, {@code reason} or
 *       {@code restored};
 *   <li>{@code swapped} / {@code refused} by serve: {@code previous}; {@code reason}, {@code
 *       detail} and the version still {@code serving};
 *   <li>{@code drift} by serve's drift monitor: the {@code feature}, its PSI and KS against the
 *       reference, the threshold and the window, and (numeric features) {@code out_of_range}: the
 *       training range, how many values fell below and above it and how far they went; {@code
 *       reason} says it in words.
 * </ul>
 */
@AutoValue
public abstract class ModelEvent {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What happened; the JSON {@code type} is the lower-case name. */
  public enum Type {
    /** A version was registered. */
    REGISTERED,
    /** The production pointer moved to the version. */
    PROMOTED,
    /** Production went back from the version to the one before it. */
    ROLLED_BACK,
    /** Serving refused to load the version (checksum or fingerprint); it keeps the one it has. */
    REFUSED,
    /** Serving verified a new production version and scores with it from its next bundle. */
    SWAPPED,
    /** The learner registered a candidate that passed the offline gate; evidence attached. */
    CANDIDATE,
    /** A candidate failed the offline gate (not registered) or the online gate (rejected). */
    CANDIDATE_REJECTED,
    /**
     * Serving's drift monitor: a feature of a window of scored events moved away from the scoring
     * version's training distribution (PSI at or above the threshold), or too many of its values
     * left the range the version was trained on.
     */
    DRIFT;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Type of(String json) {
      return valueOf(json.toUpperCase(Locale.ROOT));
    }
  }

  /** The offline gate's evidence: candidate and production on the fixed smoke-test set. */
  public record SmokeTest(
      double candidateNe,
      double productionNe,
      double candidateAuc,
      double productionAuc,
      double candidateCalibration,
      long examples,
      double maxNeRegression,
      double maxCalibrationRatio) {}

  /** One arm's record on labelled live traffic. */
  public record Arm(
      String version,
      long labelled,
      long positives,
      double logLoss,
      double ne,
      double auc,
      double calibration) {}

  /** The statistical test the online decision applied. */
  public record Test(String rule, double z, double threshold, int look, int looks, double alpha) {}

  /**
   * The online gate's evidence: the arm judged against ({@code base}: production, or for a
   * roll-back the predecessor) and the arm judged ({@code other}: the challenger, or the promoted
   * version), with the test.
   */
  public record Online(Arm base, Arm other, Test test) {}

  /**
   * A feature's drift in one window against the reference the version was trained on; {@code
   * outOfRange} is null for categorical features and references without ranges.
   */
  public record Drift(
      String feature,
      double psi,
      double ks,
      double threshold,
      Instant windowStart,
      Instant windowEnd,
      long referenceExamples,
      FeatureDrift.@Nullable OutOfRange outOfRange) {

    /** A drift without range information. */
    public Drift(
        String feature,
        double psi,
        double ks,
        double threshold,
        Instant windowStart,
        Instant windowEnd,
        long referenceExamples) {
      this(feature, psi, ks, threshold, windowStart, windowEnd, referenceExamples, null);
    }
  }

  public abstract Type type();

  public abstract String version();

  public abstract Instant at();

  /** What decided: {@code learn}, {@code promoter}, {@code serve} or {@code freshet models}. */
  public abstract String source();

  public abstract @Nullable String reason();

  public abstract @Nullable String detail();

  /** The version a candidate descends from. */
  public abstract @Nullable String parent();

  /** The version production (or serving) had before. */
  public abstract @Nullable String previous();

  /** The version a roll-back restored to production. */
  public abstract @Nullable String restored();

  /** Production when the learner's gate ran. */
  public abstract @Nullable String production();

  /** The version serve keeps scoring with after a refusal. */
  public abstract @Nullable String serving();

  /** Examples the learner has learnt (candidates), or scored in the window (drift). */
  public abstract @Nullable Long examples();

  /** The newest label time the learner has learnt. */
  public abstract @Nullable Instant labelTime();

  public abstract @Nullable SmokeTest smokeTest();

  public abstract @Nullable Online online();

  public abstract @Nullable Drift drift();

  /** A new event of {@code type} about {@code version} by {@code source}, stamped now. */
  public static Builder of(Type type, String version, String source) {
    return new AutoValue_ModelEvent.Builder()
        .type(type)
        .version(version)
        .source(source)
        .at(Instant.now());
  }

  /** Whether this is an event of {@code type}. */
  public boolean is(Type type) {
    return type() == type;
  }

  /** The JSON names of the online arms: production/challenger, predecessor/promoted. */
  private static String[] armNames(Type type) {
    return type == Type.ROLLED_BACK
        ? new String[] {"predecessor", "promoted"}
        : new String[] {"production", "challenger"};
  }

  /** The event as one JSON object (the topic's format). */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", type().json());
    n.put("version", version());
    n.put("at", at().toString());
    n.put("source", source());
    putIfSet(n, "reason", reason());
    putIfSet(n, "detail", detail());
    putIfSet(n, "parent", parent());
    putIfSet(n, "previous", previous());
    putIfSet(n, "restored", restored());
    putIfSet(n, "production", production());
    putIfSet(n, "serving", serving());
    if (drift() != null) {
      n.put("feature", drift().feature()).put("psi", drift().psi());
      if (Double.isNaN(drift().ks())) {
        n.putNull("ks");
      } else {
        n.put("ks", drift().ks());
      }
      n.put("threshold", drift().threshold())
          .put("window_start", drift().windowStart().toString())
          .put("window_end", drift().windowEnd().toString())
          .put("reference_examples", drift().referenceExamples());
      FeatureDrift.OutOfRange range = drift().outOfRange();
      if (range != null) {
        ObjectNode r = n.putObject("out_of_range");
        r.put("min", range.min()).put("max", range.max());
        r.put("below", range.below()).put("above", range.above());
        if (Double.isFinite(range.lowest()) && Double.isFinite(range.highest())) {
          r.put("lowest", range.lowest()).put("highest", range.highest());
        }
        r.put("overshoot", range.overshoot());
      }
    }
    if (examples() != null) {
      n.put("examples", examples());
    }
    if (labelTime() != null) {
      n.put("label_time", labelTime().toString());
    }
    if (smokeTest() != null) {
      n.putObject("smoke_test")
          .put("candidate_ne", smokeTest().candidateNe())
          .put("production_ne", smokeTest().productionNe())
          .put("candidate_auc", smokeTest().candidateAuc())
          .put("production_auc", smokeTest().productionAuc())
          .put("candidate_calibration", smokeTest().candidateCalibration())
          .put("examples", smokeTest().examples())
          .put("max_ne_regression", smokeTest().maxNeRegression())
          .put("max_calibration_ratio", smokeTest().maxCalibrationRatio());
    }
    if (online() != null) {
      ObjectNode o = n.putObject("online");
      putArm(o.putObject(armNames(type())[0]), online().base());
      putArm(o.putObject(armNames(type())[1]), online().other());
      Test t = online().test();
      o.putObject("test")
          .put("rule", t.rule())
          .put("z", t.z())
          .put("threshold", t.threshold())
          .put("look", t.look())
          .put("looks", t.looks())
          .put("alpha", t.alpha());
    }
    return n.toString();
  }

  private static void putIfSet(ObjectNode n, String field, @Nullable String value) {
    if (value != null) {
      n.put(field, value);
    }
  }

  private static void putArm(ObjectNode n, Arm a) {
    n.put("version", a.version())
        .put("labelled", a.labelled())
        .put("positives", a.positives())
        .put("log_loss", a.logLoss())
        .put("ne", a.ne())
        .put("auc", a.auc())
        .put("calibration", a.calibration());
  }

  /** Parses {@link #toJson()}; fails naming what it could not read. */
  public static ModelEvent parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      Type type = Type.of(n.get("type").asText());
      Builder b =
          of(type, n.get("version").asText(), n.get("source").asText())
              .at(Instant.parse(n.get("at").asText()))
              .reason(text(n, "reason"))
              .detail(text(n, "detail"))
              .parent(text(n, "parent"))
              .previous(text(n, "previous"))
              .restored(text(n, "restored"))
              .production(text(n, "production"))
              .serving(text(n, "serving"));
      if (n.hasNonNull("examples")) {
        b.examples(n.get("examples").asLong());
      }
      if (n.hasNonNull("label_time")) {
        b.labelTime(Instant.parse(n.get("label_time").asText()));
      }
      JsonNode s = n.get("smoke_test");
      if (s != null) {
        b.smokeTest(
            new SmokeTest(
                s.path("candidate_ne").asDouble(),
                s.path("production_ne").asDouble(),
                s.path("candidate_auc").asDouble(),
                s.path("production_auc").asDouble(),
                s.path("candidate_calibration").asDouble(),
                s.path("examples").asLong(),
                s.path("max_ne_regression").asDouble(),
                s.path("max_calibration_ratio").asDouble()));
      }
      JsonNode o = n.get("online");
      if (o != null) {
        String[] names = armNames(type);
        JsonNode t = o.path("test");
        b.online(
            new Online(
                arm(o.path(names[0])),
                arm(o.path(names[1])),
                new Test(
                    t.path("rule").asText(),
                    t.path("z").asDouble(),
                    t.path("threshold").asDouble(),
                    t.path("look").asInt(),
                    t.path("looks").asInt(),
                    t.path("alpha").asDouble())));
      }
      if (type == Type.DRIFT) {
        JsonNode ks = n.get("ks");
        JsonNode r = n.get("out_of_range");
        b.drift(
            new Drift(
                n.path("feature").asText(),
                n.path("psi").asDouble(),
                ks == null || ks.isNull() ? Double.NaN : ks.asDouble(),
                n.path("threshold").asDouble(),
                Instant.parse(n.path("window_start").asText()),
                Instant.parse(n.path("window_end").asText()),
                n.path("reference_examples").asLong(),
                r == null
                    ? null
                    : new FeatureDrift.OutOfRange(
                        r.path("min").asDouble(),
                        r.path("max").asDouble(),
                        r.path("below").asLong(),
                        r.path("above").asLong(),
                        r.path("lowest").asDouble(Double.POSITIVE_INFINITY),
                        r.path("highest").asDouble(Double.NEGATIVE_INFINITY))));
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw new UncheckedIOException(
          new IOException(
              "not a Freshet model event: "
                  + (json.length() <= 200 ? json : json.substring(0, 200) + "..."),
              e));
    }
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Arm arm(JsonNode a) {
    return new Arm(
        a.path("version").asText(),
        a.path("labelled").asLong(),
        a.path("positives").asLong(),
        a.path("log_loss").asDouble(),
        a.path("ne").asDouble(),
        a.path("auc").asDouble(),
        a.path("calibration").asDouble());
  }

  /** Builds an event; only what the event's type carries needs setting. */
  @AutoValue.Builder
  public abstract static class Builder {
    abstract Builder type(Type value);

    abstract Builder version(String value);

    abstract Builder source(String value);

    public abstract Builder at(Instant value);

    public abstract Builder reason(@Nullable String value);

    public abstract Builder detail(@Nullable String value);

    public abstract Builder parent(@Nullable String value);

    public abstract Builder previous(@Nullable String value);

    public abstract Builder restored(@Nullable String value);

    public abstract Builder production(@Nullable String value);

    public abstract Builder serving(@Nullable String value);

    public abstract Builder examples(@Nullable Long value);

    public abstract Builder labelTime(@Nullable Instant value);

    public abstract Builder smokeTest(@Nullable SmokeTest value);

    public abstract Builder online(@Nullable Online value);

    public abstract Builder drift(@Nullable Drift value);

    public abstract ModelEvent build();
  }
}
