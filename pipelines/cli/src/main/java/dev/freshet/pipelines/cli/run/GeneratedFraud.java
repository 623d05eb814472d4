package dev.freshet.pipelines.cli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudSummary;
import dev.freshet.testdata.GenerateFraud;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Payments and chargebacks the run generated, as JSON lines in {@code dir}: the history the first
 * model is trained on, or the stream it replays.
 */
record GeneratedFraud(FraudSummary summary, Path dir) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final GenerateFraud.Format FORMAT = GenerateFraud.Format.jsonl;

  static GeneratedFraud write(FraudGenerator generator, Path dir) throws IOException {
    return new GeneratedFraud(GenerateFraud.write(generator, dir, FORMAT, null), dir);
  }

  Path events() {
    return dir.resolve(GenerateFraud.eventsFile(FORMAT));
  }

  Path outcomes() {
    return dir.resolve(GenerateFraud.outcomesFile(FORMAT));
  }

  /** The chargebacks: when each charged-back payment's outcome arrived, by event id. */
  Map<String, Long> outcomeTimes() throws IOException {
    Map<String, Long> times = new HashMap<>();
    for (String line : Files.readAllLines(outcomes())) {
      JsonNode n = JSON.readTree(line);
      if (n.path("label").asBoolean(true)) {
        times.put(
            n.get("event_id").asText(),
            Instant.parse(n.get("outcome_time").asText()).toEpochMilli());
      }
    }
    return times;
  }

  /**
   * When the last payment's label window closes. The replay goes on until then, so every replayed
   * payment's label is seen (those chargebacks are sent unpaced: no payments are left to score).
   */
  Instant end(FeatureSpec spec) {
    return summary.lastEventTime().plusMillis(spec.labelWindow().getMillis());
  }
}
