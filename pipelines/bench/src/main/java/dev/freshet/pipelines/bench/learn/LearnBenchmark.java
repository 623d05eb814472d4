package dev.freshet.pipelines.bench.learn;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.examples.Example;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.bench.ProcessCpu;
import dev.freshet.pipelines.embedded.EmbeddedKafka;
import dev.freshet.pipelines.embedded.TopicTail;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.predictions.Prediction;
import dev.freshet.pipelines.train.FeatureLayouts;
import dev.freshet.pipelines.train.UntrainedModels;
import dev.freshet.transforms.features.FeatureSpec;
import dev.freshet.transforms.features.FeatureSpecs;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.PipelineResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of the {@code learn} pipeline (labelled examples learnt per second) on the direct
 * runner and on embedded Flink, against an in-process broker.
 *
 * <p>Logged predictions for {@code --examples} events spread over ten days (3% with a chargeback an
 * hour later) are written to Kafka first; learn then reads them from the earliest offset, joins the
 * labels, updates the candidate copy per micro-batch and runs the offline gate every {@code
 * --gateEvery} micro-batches. The gate's events carry the examples learnt so far and their time, so
 * the rate is measured between the first and the last gate (start-up excluded).
 *
 * <pre>
 * mvn -B -o -q -pl pipelines/bench exec:exec -Dexec.executable=java \
 *   -Dexec.args="-Xmx4g -cp %classpath dev.freshet.pipelines.bench.learn.LearnBenchmark"
 * </pre>
 */
@Command(
    name = "learn-benchmark",
    mixinStandardHelpOptions = true,
    version = "freshet-pipelines 0.1.0",
    description = {
      "Examples per second that the learn pipeline joins, batches and learns from, on the direct"
          + " runner and embedded Flink, measured between its first and last offline gates."
    })
public final class LearnBenchmark implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--examples",
      description = "Logged predictions per runner on Flink (default: ${DEFAULT-VALUE}).")
  int examples = 40_000;

  @Option(
      names = "--directExamples",
      description = "Logged predictions on the direct runner (default: ${DEFAULT-VALUE}).")
  int directExamples = 8_000;

  @Option(names = "--microBatch", description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
  int microBatch = 500;

  @Option(
      names = "--gateEvery",
      description = "Micro-batches between gates (default: ${DEFAULT-VALUE}).")
  int gateEvery = 4;

  @Option(
      names = "--runners",
      split = ",",
      description = "Runners to measure (default: ${DEFAULT-VALUE}).")
  List<String> runners = List.of("direct", "flink");

  public static void main(String[] args) {
    System.exit(new CommandLine(new LearnBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    FeatureSpec spec = FeatureSpecs.load(Domain.FRAUD.defaultSpec());
    FeatureLayout layout = FeatureLayouts.of(spec);
    List<String> results = new ArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      for (String runner : runners) {
        int n = runner.equals("direct") ? directExamples : examples;
        String registry = Files.createTempDirectory("freshet-learn-bench").toString();
        ModelRegistry r = ModelRegistry.at(registry);
        String production =
            UntrainedModels.register(r, layout, ModelConfig.builder().seed(1).build());
        r.promote(production);
        Random random = new Random(7);
        List<Example> smoke = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          smoke.add(
              new Example("s" + i, i, i, random.nextDouble() < 0.03 ? 1 : 0, row(random, layout)));
        }
        SmokeTestSet.write(registry, spec, smoke);
        String prefix = runner + "-";
        KafkaTopics.create(
            kafka.bootstrapServers(),
            2,
            List.of(
                prefix + "predictions", prefix + "outcomes", prefix + "models", prefix + "dead"));
        produce(kafka, prefix, spec, production, layout, n, random);
        System.out.printf("%s: %,d logged predictions written; learning...%n", runner, n);

        List<String> args =
            new ArrayList<>(
                List.of(
                    "--bootstrapServers=" + kafka.bootstrapServers(),
                    "--predictionsTopic=" + prefix + "predictions",
                    "--outcomesTopic=" + prefix + "outcomes",
                    "--modelEventsTopic=" + prefix + "models",
                    "--deadLettersTopic=" + prefix + "dead",
                    "--startOffset=EARLIEST",
                    "--registry=" + registry,
                    "--microBatchSize=" + microBatch,
                    "--gateEvery=" + gateEvery,
                    "--maxNeRegression=1000",
                    "--maxCalibrationRatio=1000",
                    "--promote=false"));
        if (runner.equals("flink")) {
          args.addAll(List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=1"));
        }
        PipelineResult learning =
            LearnJob.start(
                LearnJob.parse(args.toArray(new String[0])),
                new PrintStream(OutputStream.nullOutputStream()));
        // Every event older than the newest minus the label window is labelled; at 10 days, 80%.
        long expected = (long) (n * 0.8 / (microBatch * gateEvery)) * microBatch * gateEvery;
        List<long[]> gates = new ArrayList<>();
        try (TopicTail tail = TopicTail.of(kafka.bootstrapServers(), List.of(prefix + "models"))) {
          tail.pollUntil(
              () -> !gates.isEmpty() && gates.get(gates.size() - 1)[0] >= expected,
              Duration.ofMinutes(10),
              rec -> {
                ModelEvent e = ModelEvent.parse(rec.value());
                // Every gate, passed or not, says how many examples were learnt by then.
                if (e.smokeTest() != null) {
                  gates.add(new long[] {e.examples(), e.at().toEpochMilli(), ProcessCpu.nanos()});
                  System.out.printf("  gate at %,d examples%n", e.examples());
                }
              });
        } finally {
          learning.cancel();
        }
        if (gates.size() < 2) {
          throw new IllegalStateException(runner + ": fewer than two gates; nothing to measure");
        }
        long[] first = gates.get(0);
        long[] last = gates.get(gates.size() - 1);
        long learnt = last[0] - first[0];
        double rate = learnt / ((last[1] - first[1]) / 1000.0);
        double cpuMicros = (last[2] - first[2]) / 1000.0 / learnt;
        results.add(
            String.format(
                "| %s | %,d | %,d | %,.0f | %,.0f |", runner, n, learnt, rate, cpuMicros));
      }
    }
    System.out.println();
    System.out.println(
        "| runner | logged predictions | examples measured | examples/s | µs CPU per example |");
    System.out.println("|---|---|---|---|---|");
    results.forEach(System.out::println);
    return 0;
  }

  private static float[] row(Random random, FeatureLayout layout) {
    float[] row = new float[layout.size()];
    for (int j = 0; j < row.length; j++) {
      row[j] = random.nextInt(5);
    }
    return row;
  }

  private static void produce(
      EmbeddedKafka kafka,
      String prefix,
      FeatureSpec spec,
      String version,
      FeatureLayout layout,
      int n,
      Random random) {
    long start = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();
    long step = Duration.ofDays(10).toMillis() / n;
    String spec16 = spec.fingerprint().substring(0, 16);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = 0; i < n; i++) {
        long t = start + i * step;
        String id = "bench-" + i;
        Prediction p =
            new Prediction(
                id, t, 0.1f, false, version, "production", spec16, row(random, layout), t);
        producer.send(new ProducerRecord<>(prefix + "predictions", null, t, id, p.toJson()));
        if (random.nextDouble() < 0.03) {
          long known = t + Duration.ofHours(1).toMillis();
          String outcome =
              JSON.createObjectNode()
                  .put("event_id", id)
                  .put("outcome_time", Instant.ofEpochMilli(known).toString())
                  .put("label", true)
                  .toString();
          producer.send(new ProducerRecord<>(prefix + "outcomes", null, known, id, outcome));
        }
      }
    }
  }
}
