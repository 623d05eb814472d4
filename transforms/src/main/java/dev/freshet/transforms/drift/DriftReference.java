package dev.freshet.transforms.drift;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a model's input looked like when it was trained: one {@link FeatureBins} per feature, in
 * feature-vector order, and the number of reference vectors. Serving compares each window of live
 * vectors with it ({@link DriftStatistics#compare}) to tell when the data moved away from what the
 * model learnt.
 *
 * <p>Built once from the training vectors (before any normalisation) by {@link #fitter(int)},
 * stored with the model, never recomputed. Immutable and serializable.
 */
public final class DriftReference implements Serializable {
  /** Quantile bins per numeric feature unless told otherwise: deciles. */
  public static final int DEFAULT_BINS = 10;

  private final List<FeatureBins> features;
  private final long examples;

  private DriftReference(List<FeatureBins> features, long examples) {
    this.features = List.copyOf(features);
    this.examples = examples;
    if (this.features.isEmpty()) {
      throw new IllegalArgumentException("a drift reference needs at least one feature");
    }
    if (examples < 1) {
      throw new IllegalArgumentException("a drift reference needs examples >= 1: " + examples);
    }
    Set<String> names = new HashSet<>();
    for (FeatureBins f : this.features) {
      if (!names.add(f.feature())) {
        throw new IllegalArgumentException("duplicate feature '" + f.feature() + "'");
      }
    }
  }

  /** A reference as stored (for example read back from a model manifest). */
  public static DriftReference of(List<FeatureBins> features, long examples) {
    return new DriftReference(features, examples);
  }

  /** Starts describing the feature vector's columns, in order; numeric ones get {@code bins}. */
  public static Fitter fitter(int bins) {
    return new Fitter(bins);
  }

  /** The features' bins, in vector order. */
  public List<FeatureBins> features() {
    return features;
  }

  /** The feature names, in vector order. */
  public List<String> featureNames() {
    return features.stream().map(FeatureBins::feature).toList();
  }

  /** Number of vectors the reference was measured on. */
  public long examples() {
    return examples;
  }

  /** Length of the vectors it describes. */
  public int size() {
    return features.size();
  }

  /** The bin of each feature of {@code vector}. */
  public int[] bin(float[] vector) {
    if (vector.length != features.size()) {
      throw new IllegalArgumentException(
          "vector of length "
              + vector.length
              + " but the drift reference describes "
              + features.size()
              + " features");
    }
    int[] bins = new int[vector.length];
    for (int i = 0; i < bins.length; i++) {
      bins[i] = features.get(i).binOf(vector[i]);
    }
    return bins;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DriftReference r && r.examples == examples && r.features.equals(features);
  }

  @Override
  public int hashCode() {
    return Objects.hash(features, examples);
  }

  @Override
  public String toString() {
    return "DriftReference{" + examples + " examples, " + features + "}";
  }

  /** Names the columns of the vectors, then measures the reference on them. */
  public static final class Fitter {
    private final int bins;
    private final List<String> names = new ArrayList<>();
    private final List<Integer> buckets = new ArrayList<>();

    private Fitter(int bins) {
      if (bins < 2) {
        throw new IllegalArgumentException("bins must be >= 2: " + bins);
      }
      this.bins = bins;
    }

    /** The next column holds numbers: quantile bins. */
    public Fitter numeric(String name) {
      names.add(name);
      buckets.add(0);
      return this;
    }

    /** The next column holds hashed bucket indices in {@code [0, buckets)}: a bin per bucket. */
    public Fitter categorical(String name, int buckets) {
      if (buckets < 1) {
        throw new IllegalArgumentException(
            "categorical column '" + name + "' needs buckets >= 1: " + buckets);
      }
      names.add(name);
      this.buckets.add(buckets);
      return this;
    }

    /** Measures every column on {@code vectors} (each as long as the columns named). */
    public DriftReference fit(float[][] vectors) {
      if (vectors.length == 0) {
        throw new IllegalArgumentException("a drift reference needs at least one vector");
      }
      List<FeatureBins> features = new ArrayList<>();
      float[] column = new float[vectors.length];
      for (int f = 0; f < names.size(); f++) {
        for (int i = 0; i < vectors.length; i++) {
          if (vectors[i].length != names.size()) {
            throw new IllegalArgumentException(
                "vector "
                    + i
                    + " has length "
                    + vectors[i].length
                    + " but "
                    + names.size()
                    + " columns were named");
          }
          column[i] = vectors[i][f];
        }
        features.add(
            buckets.get(f) == 0
                ? FeatureBins.numeric(names.get(f), column, bins)
                : FeatureBins.categorical(names.get(f), column, buckets.get(f)));
      }
      return new DriftReference(features, vectors.length);
    }
  }
}
