package dev.freshet.model.network;

import dev.freshet.model.FeatureLayout;

/**
 * Turns raw feature vectors into the network's input: numeric columns first, clipped to the
 * training range and standardised with the model's {@link NormalizationStats}, then one bucket
 * index per categorical column. A value outside the training range reaches the network as the
 * range's nearest end: a network extrapolates linearly, and unboundedly, past what it was trained
 * on (a column that keeps growing, such as a counter or a date, would otherwise push its units ever
 * further). The drift monitor reports such values. Models without ranges (registered before they
 * were kept) are clipped at {@code ±}{@value #CLIP} standard deviations instead.
 *
 * <p>Bad values never reach the network: a non-finite numeric value becomes the column mean (0
 * after scaling); a categorical value that is non-finite, negative or not below the bucket count
 * maps to the reserved unknown bucket {@code buckets}. Stateless and thread-safe.
 *
 * <p>The native network takes numeric columns first; an imported network takes the feature spec's
 * own column order ({@link #inSpecOrder}), optionally without standardisation (it normalises
 * itself: values pass as they are, a non-finite one as 0).
 */
public final class FeatureEncoder {
  static final float CLIP = 50f;

  private final int width;
  private final int[] numeric;
  private final int[] categorical;
  private final int[] buckets;
  private final float[] mean;
  private final float[] invStd;
  private final float[] lo;
  private final float[] hi;
  private final int[] numericOut;
  private final int[] categoricalOut;

  /** The native network's encoder: standardised numeric columns first, then categorical ones. */
  public FeatureEncoder(FeatureLayout layout, NormalizationStats stats) {
    this(layout, stats, false, true);
  }

  /**
   * An encoder keeping the layout's column order; numeric columns standardised with {@code stats}
   * when {@code standardize} is set, else passed raw.
   */
  public static FeatureEncoder inSpecOrder(
      FeatureLayout layout, NormalizationStats stats, boolean standardize) {
    return new FeatureEncoder(layout, stats, true, standardize);
  }

  private FeatureEncoder(
      FeatureLayout layout, NormalizationStats stats, boolean specOrder, boolean standardize) {
    this.width = layout.size();
    this.numeric = layout.numericIndices();
    this.categorical = layout.categoricalIndices();
    if (stats.size() != numeric.length) {
      throw new IllegalArgumentException(
          "normalisation statistics cover "
              + stats.size()
              + " numeric columns but the layout has "
              + numeric.length);
    }
    this.buckets = new int[categorical.length];
    for (int j = 0; j < categorical.length; j++) {
      buckets[j] = layout.columns().get(categorical[j]).buckets();
    }
    this.mean = new float[numeric.length];
    this.invStd = new float[numeric.length];
    this.lo = new float[numeric.length];
    this.hi = new float[numeric.length];
    for (int j = 0; j < numeric.length; j++) {
      mean[j] = (float) stats.meanAt(j);
      invStd[j] = (float) (1.0 / stats.stdAt(j));
      lo[j] = (float) Math.max(-CLIP, (stats.minAt(j) - stats.meanAt(j)) / stats.stdAt(j));
      hi[j] = (float) Math.min(CLIP, (stats.maxAt(j) - stats.meanAt(j)) / stats.stdAt(j));
      if (!standardize) {
        mean[j] = 0f;
        invStd[j] = 1f;
        lo[j] = Float.NEGATIVE_INFINITY;
        hi[j] = Float.POSITIVE_INFINITY;
      }
    }
    this.numericOut = new int[numeric.length];
    this.categoricalOut = new int[categorical.length];
    for (int j = 0; j < numeric.length; j++) {
      numericOut[j] = specOrder ? numeric[j] : j;
    }
    for (int j = 0; j < categorical.length; j++) {
      categoricalOut[j] = specOrder ? categorical[j] : numeric.length + j;
    }
  }

  /** Width of one encoded row (equal to the layout size). */
  public int width() {
    return width;
  }

  /** Encodes {@code rows} into a row-major {@code rows.length x width} array. */
  public float[] encode(float[][] rows) {
    float[] out = new float[rows.length * width];
    for (int r = 0; r < rows.length; r++) {
      encodeInto(rows[r], out, r * width);
    }
    return out;
  }

  /** Encodes {@code rows} into the start of {@code out} (at least {@code rows.length * width}). */
  public void encodeInto(float[][] rows, float[] out) {
    for (int r = 0; r < rows.length; r++) {
      encodeInto(rows[r], out, r * width);
    }
  }

  /** Encodes the rows {@code idx[from..to)} of {@code rows}, in that order. */
  public float[] encode(float[][] rows, int[] idx, int from, int to) {
    float[] out = new float[(to - from) * width];
    for (int k = from; k < to; k++) {
      encodeInto(rows[idx[k]], out, (k - from) * width);
    }
    return out;
  }

  private void encodeInto(float[] row, float[] out, int offset) {
    if (row.length != width) {
      throw new IllegalArgumentException(
          "feature vector has " + row.length + " values, the model's layout expects " + width);
    }
    for (int j = 0; j < numeric.length; j++) {
      float v = row[numeric[j]];
      float z = Float.isFinite(v) ? (v - mean[j]) * invStd[j] : 0f;
      out[offset + numericOut[j]] = Math.max(lo[j], Math.min(hi[j], z));
    }
    for (int j = 0; j < categorical.length; j++) {
      float v = row[categorical[j]];
      out[offset + categoricalOut[j]] =
          v >= 0 && v < buckets[j] ? (float) Math.floor(v) : buckets[j];
    }
  }
}
