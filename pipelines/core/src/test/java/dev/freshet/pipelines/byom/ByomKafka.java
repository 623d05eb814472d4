package dev.freshet.pipelines.byom;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.external.ByomFixtures;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.NetworkImport;
import dev.freshet.model.external.OutputKind;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.JsonRecords;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the bring-your-own-model integration tests share: topics of their own per run on the
 * in-process broker, producing JSON records keyed and timestamped as the replay does, and
 * registering a fixture network the way {@code freshet models import} does (checked on the
 * fixture's real vectors), without its feature pass.
 */
final class ByomKafka {
  private static final AtomicInteger RUNS = new AtomicInteger();

  private ByomKafka() {}

  /** The topics one serve (and learn) run reads and writes, created fresh with one partition. */
  record Topics(String events, String outcomes, String predictions, String dead, String models) {
    static Topics fresh(EmbeddedKafka kafka, int partitions) {
      String p = "byom" + RUNS.incrementAndGet() + "-";
      Topics t =
          new Topics(p + "events", p + "outcomes", p + "predictions", p + "dead", p + "models");
      KafkaTopics.create(
          kafka.bootstrapServers(),
          partitions,
          List.of(t.events, t.outcomes, t.predictions, t.dead, t.models));
      return t;
    }

    /** Kafka and topic options of serve and learn for these topics. */
    List<String> args(EmbeddedKafka kafka) {
      return new ArrayList<>(
          List.of(
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--eventsTopic=" + events,
              "--outcomesTopic=" + outcomes,
              "--predictionsTopic=" + predictions,
              "--deadLettersTopic=" + dead,
              "--modelEventsTopic=" + models,
              "--startOffset=EARLIEST"));
    }
  }

  /**
   * Registers the fixture network {@code file} (checked on the fixture's vectors, as import checks
   * it) in {@code registry}, as a candidate, and returns its version id.
   */
  static String registerImported(
      ModelRegistry registry, FeatureSpec spec, ByomFixtures byom, String file, OutputKind output)
      throws IOException {
    NetworkFormat format = file.endsWith(".onnx") ? NetworkFormat.ONNX : NetworkFormat.TORCHSCRIPT;
    try (BinaryClassifier model =
        NetworkImport.of(FeatureLayouts.of(spec), spec.name(), ModelConfig.builder().build())
            .load(format, output, file, byom.bytes(file), null, byom.rows())) {
      return registry.register(Candidate.of(model, new DataRange(Instant.EPOCH, Instant.EPOCH, 0)));
    }
  }

  static String eventId(String event) {
    return JsonRecords.text(event, "event_id");
  }

  static Instant time(String record, String field) {
    return JsonRecords.time(record, field);
  }
}
