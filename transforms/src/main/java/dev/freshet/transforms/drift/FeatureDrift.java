package dev.freshet.transforms.drift;

/**
 * How far one feature of a window moved from its reference: the population stability index ({@code
 * psi}), the Kolmogorov-Smirnov statistic on the binned distributions ({@code ks}, NaN for a
 * categorical feature or when either side has no values) and the number of vectors in the window.
 * See {@link DriftStatistics} for the definitions.
 */
public record FeatureDrift(String feature, double psi, double ks, long examples) {}
