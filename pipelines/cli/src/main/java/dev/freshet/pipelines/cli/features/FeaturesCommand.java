package dev.freshet.pipelines.cli.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.pipelines.Domain;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.features.FeaturesPipeline;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.events.DeadLetterTally;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code freshet features}: runs {@link FeaturesPipeline} over a domain's data and prints what
 * happened: records in, dead letters by reason, labels, featured events, the {@code in = out +
 * dead} check and per-feature statistics.
 */
public final class FeaturesCommand {
  private FeaturesCommand() {}

  /**
   * Runs with Beam-style arguments ({@code --domain=FLIGHTS --runner=FlinkRunner}); returns the
   * exit code.
   */
  public static int run(String[] args, PrintStream out) throws IOException {
    PipelineOptionsFactory.register(FeaturesOptions.class);
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        out.println("Usage: freshet features [--option=value ...]");
        out.println(
            "Computes point-in-time features and natural labels over files and prints a summary.");
        out.println(
            "Runner options (--runner=DirectRunner|FlinkRunner, --flinkMaster, ...) are Beam's.");
        out.println();
        PipelineOptionsFactory.printHelp(out, FeaturesOptions.class);
        return 0;
      }
    }
    FeaturesOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(FeaturesOptions.class);
    Domain domain = options.getDomain();
    FeatureSpec spec = Specs.load(options);
    Path statsDir = Files.createTempDirectory("freshet-features");
    Path statsFile = statsDir.resolve("feature-stats.json");

    out.printf(
        "Freshet features: domain %s, spec '%s' (%d features, fingerprint %s), runner %s%n",
        domain.name().toLowerCase(java.util.Locale.ROOT),
        spec.name(),
        spec.size(),
        spec.fingerprint().substring(0, 12),
        options.getRunner().getSimpleName());
    Pipeline p = Pipeline.create(options);
    String tallyFile = statsDir.resolve("dead-letters.json").toString();
    FeaturesPipeline.build(p, options, spec, statsFile.toString())
        .tally()
        .apply("WriteDeadLetterTally", DeadLetterTally.writeTo(tallyFile));
    long start = System.nanoTime();
    out.println("running...");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;

    Map<String, Long> c = Launcher.counters(result);
    String ev = spec.events().name();
    String oc = spec.outcomes().name();
    long eventsIn = c.getOrDefault(ev + "_in", 0L);
    long eventsValid = c.getOrDefault(ev + "_valid", 0L);
    long eventsDead = c.getOrDefault(ev + "_dead", 0L);
    long featured = c.getOrDefault(FeaturesPipeline.FEATURED, 0L);
    out.printf(
        "%nevents    in %,9d   valid %,9d   dead letters %,d%n", eventsIn, eventsValid, eventsDead);
    out.printf(
        "outcomes  in %,9d   valid %,9d   dead letters %,d%n",
        c.getOrDefault(oc + "_in", 0L),
        c.getOrDefault(oc + "_valid", 0L),
        c.getOrDefault(oc + "_dead", 0L));
    out.printf(
        "labels    positive %,d   negative %,d (%,d by timeout)   unusable outcomes %,d%n",
        c.getOrDefault("labels_positive", 0L),
        c.getOrDefault("labels_negative", 0L),
        c.getOrDefault("labels_timeout", 0L),
        c.getOrDefault("labels_dead", 0L));
    DeadLetterTally.read(tallyFile).print(out);
    boolean balanced = eventsIn == eventsValid + eventsDead && featured == eventsValid;
    out.printf(
        "featured  %,d events; in = featured + dead letters: %,d = %,d + %,d %s%n",
        featured, eventsIn, featured, eventsDead, balanced ? "OK" : "MISMATCH");
    printStats(statsFile, out);
    out.printf("%ndone in %.1f s (%,.0f events/s end to end)%n", seconds, eventsIn / seconds);
    return balanced ? 0 : 1;
  }

  private static void printStats(Path statsFile, PrintStream out) throws IOException {
    if (!Files.exists(statsFile)) {
      out.println("(no feature statistics: no events)");
      return;
    }
    JsonNode stats = new ObjectMapper().readTree(Files.readString(statsFile));
    out.printf("%n%-28s %12s %12s %12s %9s%n", "feature", "mean", "min", "max", "non-zero");
    for (JsonNode col : stats.get("columns")) {
      out.printf(
          "%-28s %12.4g %12.4g %12.4g %8.1f%%%n",
          col.get("name").asText(),
          col.get("mean").asDouble(),
          col.get("min").asDouble(),
          col.get("max").asDouble(),
          100 * col.get("non_zero").asDouble());
    }
  }
}
