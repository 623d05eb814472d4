package dev.freshet.transforms.features;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.joda.time.Duration;

/**
 * Features and labels, defined once: the event and outcome schemas, the entity keys, the ordered
 * feature columns and the label window. The same spec drives training, serving and continual
 * learning, so they cannot disagree. Build it in Java with {@link #builder(String)} or load it from
 * YAML/JSON with {@link FeatureSpecs}.
 *
 * <p>The {@link #fingerprint()} is a SHA-256 over the canonical form of everything that changes the
 * meaning of a feature vector (schemas, keys, features in order, label window). Models record it;
 * serving refuses a model whose fingerprint differs.
 */
public final class FeatureSpec implements Serializable {
  private final String name;
  private final EventSchema events;
  private final EventSchema outcomes;
  private final List<EntityKey> keys;
  private final List<Feature> features;
  private final Duration labelWindow;
  private final String fingerprint;

  private FeatureSpec(Builder b) {
    this.name = b.name;
    this.events = b.events;
    this.outcomes = b.outcomes;
    this.keys = List.copyOf(b.keys.values());
    this.features = List.copyOf(b.features);
    this.labelWindow = b.labelWindow;
    this.fingerprint = computeFingerprint();
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  public EventSchema events() {
    return events;
  }

  /** The outcome schema, or {@code null} when the spec has no labels. */
  public EventSchema outcomes() {
    return outcomes;
  }

  public List<EntityKey> keys() {
    return keys;
  }

  public EntityKey key(String keyName) {
    for (EntityKey k : keys) {
      if (k.name().equals(keyName)) {
        return k;
      }
    }
    throw new IllegalArgumentException("Spec '" + name + "' has no key '" + keyName + "'");
  }

  /** The feature columns, in vector order. */
  public List<Feature> features() {
    return features;
  }

  public int size() {
    return features.size();
  }

  public List<String> featureNames() {
    List<String> names = new ArrayList<>();
    features.forEach(f -> names.add(f.name()));
    return names;
  }

  public int indexOf(String featureName) {
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).name().equals(featureName)) {
        return i;
      }
    }
    throw new IllegalArgumentException("Spec '" + name + "' has no feature '" + featureName + "'");
  }

  /** The label window {@code L}: no outcome by {@code t + L} means a negative label. */
  public Duration labelWindow() {
    return labelWindow;
  }

  public boolean hasOutcomeFeatures() {
    return features.stream().anyMatch(f -> f.aggregation().isFromOutcomes());
  }

  public String fingerprint() {
    return fingerprint;
  }

  /** The first 64 bits of the fingerprint, carried with every feature vector. */
  public long fingerprint64() {
    return Long.parseUnsignedLong(fingerprint.substring(0, 16), 16);
  }

  /** The spec's canonical form, as hashed into the fingerprint. */
  public String canonicalJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("events", events.canonicalForm());
    m.put("outcomes", outcomes == null ? null : outcomes.canonicalForm());
    List<Object> ks = new ArrayList<>();
    keys.forEach(k -> ks.add(k.name() + "=" + (k.isGlobal() ? EntityKey.GLOBAL_VALUE : k.field())));
    m.put("keys", ks);
    List<Object> fs = new ArrayList<>();
    features.forEach(f -> fs.add(f.canonical()));
    m.put("features", fs);
    m.put("label_window_ms", labelWindow == null ? null : labelWindow.getMillis());
    try {
      return new ObjectMapper().writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private String computeFingerprint() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(canonicalJson().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureSpec other && fingerprint.equals(other.fingerprint);
  }

  @Override
  public int hashCode() {
    return fingerprint.hashCode();
  }

  @Override
  public String toString() {
    return "FeatureSpec{" + name + ", " + features.size() + " features, " + fingerprint + "}";
  }

  /**
   * Builds a {@link FeatureSpec}; {@link #build()} validates every reference with a clear message.
   */
  public static final class Builder {
    private final String name;
    private EventSchema events;
    private EventSchema outcomes;
    private final Map<String, EntityKey> keys = new LinkedHashMap<>();
    private final List<Feature> features = new ArrayList<>();
    private Duration labelWindow;

    private Builder(String name) {
      this.name = requireNonNull(name, "name");
    }

    public Builder events(EventSchema schema) {
      this.events = schema;
      return this;
    }

    /**
     * The outcome schema: an id matching the event id, the time the label became known, a label.
     */
    public Builder outcomes(EventSchema schema) {
      this.outcomes = schema;
      return this;
    }

    public Builder key(String keyName, String field) {
      return key(EntityKey.of(keyName, field));
    }

    public Builder globalKey(String keyName) {
      return key(EntityKey.global(keyName));
    }

    public Builder key(EntityKey key) {
      if (keys.put(key.name(), key) != null) {
        throw new IllegalArgumentException(
            "Spec '" + name + "' declares key '" + key.name() + "' twice");
      }
      return this;
    }

    public Builder feature(Feature feature) {
      features.add(feature);
      return this;
    }

    public Builder labelWindow(Duration window) {
      this.labelWindow = window;
      return this;
    }

    public FeatureSpec build() {
      String where = "Feature spec '" + name + "'";
      if (events == null) {
        throw new IllegalArgumentException(where + " needs an event schema");
      }
      if (features.isEmpty()) {
        throw new IllegalArgumentException(where + " defines no features");
      }
      if (outcomes != null && outcomes.labelField() == null) {
        throw new IllegalArgumentException(where + ": the outcome schema needs a label field");
      }
      if (labelWindow != null && !labelWindow.isLongerThan(Duration.ZERO)) {
        throw new IllegalArgumentException(where + ": label window must be positive");
      }
      for (EntityKey k : keys.values()) {
        if (!k.isGlobal()) {
          requireField(where + ", key '" + k.name() + "'", k.field());
        }
      }
      Set<String> names = new HashSet<>();
      for (Feature f : features) {
        String fw = where + ", feature '" + f.name() + "'";
        if (!names.add(f.name())) {
          throw new IllegalArgumentException(fw + " is defined twice");
        }
        Aggregation agg = f.aggregation();
        if (agg.needsField()) {
          if (f.field() == null) {
            throw new IllegalArgumentException(fw + ": " + agg + " needs a field");
          }
          FieldType type = requireField(fw, f.field());
          if (agg.needsNumericField() && !type.isNumeric()) {
            throw new IllegalArgumentException(
                fw + ": " + agg + " needs a numeric field, but '" + f.field() + "' is " + type);
          }
        }
        if (agg == Aggregation.CATEGORY && f.buckets() <= 0) {
          throw new IllegalArgumentException(fw + ": CATEGORY needs a positive number of buckets");
        }
        if (agg.isWindowed()) {
          if (f.key() == null || !keys.containsKey(f.key())) {
            throw new IllegalArgumentException(
                fw
                    + ": "
                    + agg
                    + " needs a key, one of "
                    + keys.keySet()
                    + " (got "
                    + f.key()
                    + ")");
          }
          if (f.last() < 0
              || (f.last() > 0
                  && agg != Aggregation.OUTCOME_COUNT
                  && agg != Aggregation.OUTCOME_RATE)) {
            throw new IllegalArgumentException(
                fw
                    + ": 'last' counts labels, so it needs a positive number and agg outcome_count"
                    + " or outcome_rate (got last: "
                    + f.last()
                    + ", agg: "
                    + agg
                    + ")");
          }
          Duration horizon = f.horizon();
          if (horizon == null || !horizon.isLongerThan(Duration.ZERO)) {
            throw new IllegalArgumentException(
                fw + ": " + agg + " needs a positive window (or 'last: N' for outcome features)");
          }
        } else if (f.last() != 0) {
          throw new IllegalArgumentException(fw + ": 'last' applies to outcome features only");
        }
        if (agg.isFromOutcomes() && (outcomes == null || labelWindow == null)) {
          throw new IllegalArgumentException(
              fw
                  + ": "
                  + agg
                  + " is derived from outcomes, so the spec needs an outcome schema and a label window");
        }
      }
      return new FeatureSpec(this);
    }

    private FieldType requireField(String where, String field) {
      if (!events.hasField(field)) {
        throw new IllegalArgumentException(
            where
                + " refers to field '"
                + field
                + "', which the event schema does not declare; fields: "
                + events.fieldNames());
      }
      return events.field(field).type();
    }
  }
}
