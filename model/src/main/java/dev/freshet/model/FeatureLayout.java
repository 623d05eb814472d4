package dev.freshet.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The input contract of a model: a fixed-length {@code float[]} feature vector, column by column.
 *
 * <p>A {@link Kind#NUMERIC} column holds any float (NaN and infinities are replaced at scoring
 * time, see {@link dev.freshet.model.network.FeatureEncoder}). A {@link Kind#CATEGORICAL} column
 * holds a hashed bucket index in {@code [0, buckets)} stored as a float; anything else maps to a
 * reserved "unknown" bucket. The {@link #fingerprint()} is the feature spec's fingerprint: a model
 * refuses to serve vectors built by a different spec.
 *
 * <p>Immutable; equality covers the columns and the fingerprint.
 */
public final class FeatureLayout implements Serializable {

  /** How a column is fed to the network. */
  public enum Kind {
    NUMERIC,
    CATEGORICAL
  }

  /** One column of the feature vector. {@code buckets} is 0 for numeric columns. */
  public static final class Column implements Serializable {
    private final String name;
    private final Kind kind;
    private final int buckets;

    @JsonCreator
    Column(
        @JsonProperty("name") String name,
        @JsonProperty("kind") Kind kind,
        @JsonProperty("buckets") int buckets) {
      this.name = Objects.requireNonNull(name, "name");
      this.kind = Objects.requireNonNull(kind, "kind");
      if (kind == Kind.CATEGORICAL && buckets <= 0) {
        throw new IllegalArgumentException(
            "categorical column '" + name + "' needs buckets > 0, got " + buckets);
      }
      this.buckets = kind == Kind.NUMERIC ? 0 : buckets;
    }

    @JsonProperty
    public String name() {
      return name;
    }

    @JsonProperty
    public Kind kind() {
      return kind;
    }

    @JsonProperty
    public int buckets() {
      return buckets;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Column c && c.name.equals(name) && c.kind == kind && c.buckets == buckets;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, kind, buckets);
    }

    @Override
    public String toString() {
      return kind == Kind.NUMERIC ? name : name + "[" + buckets + "]";
    }
  }

  private final List<Column> columns;
  private final String fingerprint;

  @JsonCreator
  private FeatureLayout(
      @JsonProperty("columns") List<Column> columns,
      @JsonProperty("fingerprint") String fingerprint) {
    this.columns = List.copyOf(columns);
    this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
    if (this.columns.isEmpty()) {
      throw new IllegalArgumentException("a feature layout needs at least one column");
    }
    Set<String> names = new HashSet<>();
    for (Column c : this.columns) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("duplicate column name '" + c.name() + "'");
      }
    }
  }

  /** Starts a layout for vectors produced by the feature spec with this fingerprint. */
  public static Builder builder(String fingerprint) {
    return new Builder(fingerprint);
  }

  @JsonProperty
  public List<Column> columns() {
    return columns;
  }

  @JsonProperty
  public String fingerprint() {
    return fingerprint;
  }

  /** Length of the feature vector. */
  public int size() {
    return columns.size();
  }

  /** Positions of the numeric columns, in vector order. */
  public int[] numericIndices() {
    return indicesOf(Kind.NUMERIC);
  }

  /** Positions of the categorical columns, in vector order. */
  public int[] categoricalIndices() {
    return indicesOf(Kind.CATEGORICAL);
  }

  private int[] indicesOf(Kind kind) {
    return java.util.stream.IntStream.range(0, columns.size())
        .filter(i -> columns.get(i).kind() == kind)
        .toArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureLayout l
        && l.columns.equals(columns)
        && l.fingerprint.equals(fingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(columns, fingerprint);
  }

  @Override
  public String toString() {
    return "FeatureLayout" + columns + "@" + fingerprint;
  }

  /** Adds columns in vector order. */
  public static final class Builder {
    private final String fingerprint;
    private final List<Column> columns = new ArrayList<>();

    private Builder(String fingerprint) {
      this.fingerprint = fingerprint;
    }

    public Builder numeric(String name) {
      columns.add(new Column(name, Kind.NUMERIC, 0));
      return this;
    }

    public Builder categorical(String name, int buckets) {
      columns.add(new Column(name, Kind.CATEGORICAL, buckets));
      return this;
    }

    public FeatureLayout build() {
      return new FeatureLayout(columns, fingerprint);
    }
  }
}
