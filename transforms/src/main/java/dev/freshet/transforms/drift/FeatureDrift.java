package dev.freshet.transforms.drift;

import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How far one feature of a window moved from its reference: the population stability index ({@code
 * psi}), the Kolmogorov-Smirnov statistic on the binned distributions ({@code ks}, NaN for a
 * categorical feature or when either side has no values), the number of vectors in the window and,
 * for a numeric feature whose reference keeps its range, how many values left that range ({@code
 * range}, null otherwise). See {@link DriftStatistics} for the definitions.
 */
public record FeatureDrift(
    String feature, double psi, double ks, long examples, @Nullable OutOfRange range) {

  /** A feature's drift without range information (categorical, or an older reference). */
  public FeatureDrift(String feature, double psi, double ks, long examples) {
    this(feature, psi, ks, examples, null);
  }

  /** The share of the window's values outside the reference range; 0 without a range. */
  public double outsideShare() {
    return range == null || examples == 0 ? 0 : (double) (range.below + range.above) / examples;
  }

  /**
   * The window's values against the reference range {@code [min, max]}: how many lay below and
   * above it, and the lowest and highest finite value seen (infinite when none).
   */
  public record OutOfRange(
      double min, double max, long below, long above, double lowest, double highest) {

    /**
     * How far the values went past the range, in widths of the range ({@code 0.5}: half the range's
     * width beyond its end): the larger of the two sides; 0 when nothing left it.
     */
    public double overshoot() {
      double width = max > min ? max - min : Math.max(Math.abs(max), 1);
      double over = above > 0 ? (highest - max) / width : 0;
      double under = below > 0 ? (min - lowest) / width : 0;
      return Math.max(over, under);
    }

    /** For a person: "37 above [0, 100], up to 640 (5.4 range widths past it)". */
    public String describe() {
      StringBuilder text = new StringBuilder();
      if (below > 0) {
        text.append(below).append(" below");
      }
      if (above > 0) {
        text.append(text.length() > 0 ? ", " : "").append(above).append(" above");
      }
      text.append(String.format(Locale.ROOT, " the training range [%s, %s]", num(min), num(max)));
      if (above > 0) {
        text.append(", up to ").append(num(highest));
      }
      if (below > 0) {
        text.append(above > 0 ? " and " : ", ").append("down to ").append(num(lowest));
      }
      return text.append(String.format(Locale.ROOT, " (%.1f range widths past it)", overshoot()))
          .toString();
    }

    private static String num(double v) {
      return String.format(Locale.ROOT, "%.6g", v).replaceFirst("\\.?0+(e|$)", "$1");
    }
  }
}
