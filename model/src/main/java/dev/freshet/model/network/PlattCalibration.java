package dev.freshet.model.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * Platt scaling: {@code p = sigmoid(a * logit + b)}. The identity ({@code a = 1, b = 0}) is the
 * plain sigmoid of the network output.
 *
 * <p>Fitted by Newton's method on a held-out slice with Platt's smoothed targets ({@code
 * (P+1)/(P+2)} and {@code 1/(N+2)}), which keeps the fit finite on separable or tiny slices.
 */
public final class PlattCalibration implements Serializable {
  private static final PlattCalibration IDENTITY = new PlattCalibration(1.0, 0.0);

  private final double a;
  private final double b;

  @JsonCreator
  public PlattCalibration(@JsonProperty("a") double a, @JsonProperty("b") double b) {
    if (!Double.isFinite(a) || !Double.isFinite(b)) {
      throw new IllegalArgumentException("calibration parameters must be finite");
    }
    this.a = a;
    this.b = b;
  }

  public static PlattCalibration identity() {
    return IDENTITY;
  }

  /** Fits {@code a, b} on logits and 0/1 labels. Falls back to identity if a class is missing. */
  public static PlattCalibration fit(double[] logits, float[] labels) {
    int positives = 0;
    for (float y : labels) {
      positives += y > 0.5f ? 1 : 0;
    }
    int negatives = labels.length - positives;
    if (positives == 0 || negatives == 0) {
      return IDENTITY;
    }
    double hi = (positives + 1.0) / (positives + 2.0);
    double lo = 1.0 / (negatives + 2.0);
    double a = 1.0;
    double b = 0.0;
    for (int iter = 0; iter < 100; iter++) {
      double ga = 0;
      double gb = 0;
      double haa = 1e-12;
      double hab = 0;
      double hbb = 1e-12;
      for (int i = 0; i < logits.length; i++) {
        double t = labels[i] > 0.5f ? hi : lo;
        double p = sigmoid(a * logits[i] + b);
        double d = p - t;
        double w = p * (1 - p);
        ga += d * logits[i];
        gb += d;
        haa += w * logits[i] * logits[i];
        hab += w * logits[i];
        hbb += w;
      }
      double det = haa * hbb - hab * hab;
      if (Math.abs(det) < 1e-18) {
        break;
      }
      double da = (hbb * ga - hab * gb) / det;
      double db = (haa * gb - hab * ga) / det;
      a -= da;
      b -= db;
      if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) {
        break;
      }
    }
    return Double.isFinite(a) && Double.isFinite(b) ? new PlattCalibration(a, b) : IDENTITY;
  }

  /** Calibrated probability of a network logit. */
  public float probability(float logit) {
    return (float) sigmoid(a * logit + b);
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
  }

  @JsonProperty
  public double a() {
    return a;
  }

  @JsonProperty
  public double b() {
    return b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlattCalibration c && c.a == a && c.b == b;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(a) * 31 + Double.hashCode(b);
  }

  @Override
  public String toString() {
    return "PlattCalibration{a=" + a + ", b=" + b + "}";
  }
}
