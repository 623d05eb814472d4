package dev.freshet.pipelines.freshness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.freshet.model.metrics.BinaryMetrics;
import java.util.List;

/**
 * What one policy achieved on a replayed stream: prequential quality over the whole evaluation
 * period and per chart slice, and what it cost after the shared initial model.
 *
 * @param metrics every evaluated example scored by the model of its moment
 * @param slices the same per equal slice of evaluation time (a slice without examples has none)
 * @param updates models produced (warm starts or retrains)
 * @param examplesTrained examples × passes over all updates
 * @param trainCpuSeconds CPU time of the replaying thread in updates
 * @param scoreCpuSeconds CPU time of the replaying thread in scoring
 * @param wallSeconds the whole replay of this policy
 */
public record PolicyResult(
    String policy,
    BinaryMetrics metrics,
    List<BinaryMetrics> slices,
    long updates,
    long examplesTrained,
    double trainCpuSeconds,
    double scoreCpuSeconds,
    double wallSeconds) {

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

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
