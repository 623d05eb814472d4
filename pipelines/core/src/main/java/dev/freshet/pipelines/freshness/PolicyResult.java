package dev.freshet.pipelines.freshness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.freshet.model.metrics.BinaryMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one policy achieved on a replayed stream: prequential quality over the whole evaluation
 * period and per chart slice, and what it cost after the shared initial model.
 *
 * @param metrics every evaluated example scored by the model of its moment
 * @param slices the same per equal slice of evaluation time (a slice without examples has none)
 * @param cadence when the updates (warm starts or retrains) came and how many examples each used
 * @param examplesTrained examples × passes over all updates
 * @param trainCpuSeconds CPU time of the replaying thread in updates
 * @param scoreCpuSeconds CPU time of the replaying thread in scoring
 * @param wallSeconds the whole replay of this policy
 * @param repeats replays averaged into this result (with other training seeds; 1 for one replay)
 * @param normalizedEntropyMin the lowest NE among the repeats
 * @param normalizedEntropyMax the highest NE among the repeats
 */
public record PolicyResult(
    String policy,
    BinaryMetrics metrics,
    List<BinaryMetrics> slices,
    Cadence cadence,
    long examplesTrained,
    double trainCpuSeconds,
    double scoreCpuSeconds,
    double wallSeconds,
    int repeats,
    double normalizedEntropyMin,
    double normalizedEntropyMax) {

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** The result of one replay. */
  public static PolicyResult single(
      String policy,
      BinaryMetrics metrics,
      List<BinaryMetrics> slices,
      Cadence cadence,
      long examplesTrained,
      double trainCpuSeconds,
      double scoreCpuSeconds,
      double wallSeconds) {
    return new PolicyResult(
        policy,
        metrics,
        slices,
        cadence,
        examplesTrained,
        trainCpuSeconds,
        scoreCpuSeconds,
        wallSeconds,
        1,
        metrics.normalizedEntropy(),
        metrics.normalizedEntropy());
  }

  /** Models produced (warm starts or retrains). */
  public long updates() {
    return cadence.updates();
  }

  /**
   * Repeats of one policy (other training seeds) as one result named {@code policy}: every metric
   * and cost is the mean over the repeats (per slice for the slices), and the NE range is kept. The
   * cadence is the first repeat's (seeds do not move updates).
   */
  public static PolicyResult mean(String policy, List<PolicyResult> repeats) {
    if (repeats.isEmpty()) {
      throw new IllegalArgumentException("no results to average for " + policy);
    }
    int n = repeats.size();
    List<BinaryMetrics> slices = new ArrayList<>();
    for (int i = 0; i < repeats.get(0).slices().size(); i++) {
      int slice = i;
      slices.add(mean(repeats.stream().map(r -> r.slices().get(slice)).toList()));
    }
    return new PolicyResult(
        policy,
        mean(repeats.stream().map(PolicyResult::metrics).toList()),
        slices,
        repeats.get(0).cadence(),
        Math.round(repeats.stream().mapToLong(PolicyResult::examplesTrained).average().orElse(0)),
        repeats.stream().mapToDouble(PolicyResult::trainCpuSeconds).sum() / n,
        repeats.stream().mapToDouble(PolicyResult::scoreCpuSeconds).sum() / n,
        repeats.stream().mapToDouble(PolicyResult::wallSeconds).sum() / n,
        repeats.stream().mapToInt(PolicyResult::repeats).sum(),
        repeats.stream().mapToDouble(PolicyResult::normalizedEntropyMin).min().orElseThrow(),
        repeats.stream().mapToDouble(PolicyResult::normalizedEntropyMax).max().orElseThrow());
  }

  /** Field-wise mean of metrics over the same examples (counts and threshold from the first). */
  private static BinaryMetrics mean(List<BinaryMetrics> ms) {
    BinaryMetrics first = ms.get(0);
    return new BinaryMetrics(
        first.examples(),
        first.positives(),
        first.threshold(),
        average(ms, BinaryMetrics::auc),
        ms.stream().allMatch(BinaryMetrics::aucExact),
        average(ms, BinaryMetrics::logLoss),
        average(ms, BinaryMetrics::normalizedEntropy),
        average(ms, BinaryMetrics::meanPrediction),
        first.baseRate(),
        average(ms, BinaryMetrics::calibration),
        average(ms, BinaryMetrics::accuracy));
  }

  private static double average(List<BinaryMetrics> ms, ToDoubleFunction<BinaryMetrics> f) {
    return ms.stream().mapToDouble(f).sum() / ms.size();
  }

  /** One JSON line (NaN metrics kept). */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static PolicyResult fromJson(String json) {
    try {
      return JSON.readValue(json, PolicyResult.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a policy result: " + json, e);
    }
  }
}
