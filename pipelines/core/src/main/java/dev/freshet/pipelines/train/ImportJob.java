package dev.freshet.pipelines.train;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.FeatureLayout;
import dev.freshet.model.examples.Example;
import dev.freshet.model.external.NetworkFormat;
import dev.freshet.model.external.NetworkImport;
import dev.freshet.model.metrics.BinaryMetrics;
import dev.freshet.model.metrics.ModelEvaluation;
import dev.freshet.model.network.NormalizationStats;
import dev.freshet.model.registry.Candidate;
import dev.freshet.model.registry.DataRange;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.SmokeTestSet;
import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.launch.Launcher;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;

/**
 * {@code freshet models import}: registers a version whose network is the user's TorchScript module
 * or ONNX graph. The feature vectors and labels of {@code --events}/{@code --outcomes} (computed as
 * train computes them) check the network (shape, finite values; a mismatch is refused naming the
 * expected width and the spec), give the statistics with {@code --standardize}, and, on their
 * latest part, its offline metrics and the smoke-test set later gates use.
 */
public final class ImportJob {
  static final List<String> USAGE =
      List.of(
          "Usage: freshet models import (--torchscript=FILE | --onnx=FILE) [--option=value ...]",
          "Registers a version whose network is your own model, checked on the spec's feature",
          "vectors of --events; serve scores it as any version, learn fine-tunes TorchScript.");

  private ImportJob() {}

  /** The version registered, its holdout metrics and whether it went to production. */
  public record Outcome(String versionId, BinaryMetrics holdout, boolean promoted) {}

  /** Runs the import with Beam-style arguments; returns the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    if (Launcher.wantsHelp(args)) {
      Launcher.printHelp(out, USAGE, ImportOptions.class);
      return 0;
    }
    importModel(Launcher.parse(ImportOptions.class, args), out);
    return 0;
  }

  /** Parses Beam-style arguments into {@link ImportOptions}. */
  public static ImportOptions parse(String... args) {
    return Launcher.parse(ImportOptions.class, args);
  }

  /** Imports, checks, registers (and promotes, see {@link ImportOptions#getMakeProduction}). */
  public static Outcome importModel(ImportOptions options, PrintStream out) throws Exception {
    if ((options.getTorchscript() == null) == (options.getOnnx() == null)) {
      throw new IllegalArgumentException("give exactly one of --torchscript=FILE and --onnx=FILE");
    }
    NetworkFormat format =
        options.getTorchscript() != null ? NetworkFormat.TORCHSCRIPT : NetworkFormat.ONNX;
    String source =
        format == NetworkFormat.TORCHSCRIPT ? options.getTorchscript() : options.getOnnx();
    byte[] bytes = read(source);
    double holdoutFraction = TrainAndRegister.holdoutFraction(options);
    FeatureSpec spec = Specs.load(options);
    FeatureLayout layout = FeatureLayouts.of(spec);
    out.printf(
        "Freshet import: %s %s (%,d bytes) for spec '%s' (%d features, fingerprint %s)%n",
        format.networkName(),
        source,
        bytes.length,
        spec.name(),
        spec.size(),
        spec.fingerprint().substring(0, 12));
    List<Example> examples =
        TrainJob.computeExamples(options, spec, Files.createTempDirectory("freshet-import"));
    if (examples.size() < 2) {
      throw new IllegalArgumentException(
          "only " + examples.size() + " labelled examples in --events: too few to check the model");
    }
    examples.sort(Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::id));
    int cut = Math.max(1, (int) Math.round(examples.size() * (1 - holdoutFraction)));
    List<Example> earlier = examples.subList(0, cut);
    List<Example> holdout = examples.subList(cut, examples.size());
    NormalizationStats stats =
        options.getStandardize() ? NormalizationStats.fit(layout, Example.features(earlier)) : null;
    NetworkImport importer =
        NetworkImport.of(layout, spec.name(), TrainAndRegister.config(options));
    ModelRegistry registry = ModelRegistry.at(options.getRegistry());
    try (BinaryClassifier model =
        importer.load(
            format,
            options.getNetworkOutput(),
            fileName(source),
            bytes,
            stats,
            Example.features(examples))) {
      out.printf(
          "checked on %,d feature vectors: one finite %s per row%n",
          examples.size(), options.getNetworkOutput().name().toLowerCase(java.util.Locale.ROOT));
      BinaryMetrics metrics =
          ModelEvaluation.evaluate(model, Example.features(holdout), Example.labels(holdout));
      out.printf("holdout: %s%n", TrainAndRegister.describe(metrics));
      boolean promote = options.getMakeProduction() || registry.production().isEmpty();
      Candidate candidate =
          Candidate.of(
                  model,
                  new DataRange(
                      Instant.ofEpochMilli(examples.get(0).eventTimeMillis()),
                      Instant.ofEpochMilli(examples.get(examples.size() - 1).eventTimeMillis()),
                      0))
              .withMetrics(metrics.toMap())
              .withDriftReference(FeatureLayouts.driftReference(layout, Example.features(earlier)));
      String id = registry.register(candidate);
      if (promote) {
        registry.promote(id, "imported from " + fileName(source));
      }
      SmokeTestSet.write(options.getRegistry(), spec, holdout);
      out.printf(
          "registered %s (%s, imported from %s, sha256 %s): %s%n",
          id,
          format.networkName(),
          fileName(source),
          NetworkImport.sha256(bytes).substring(0, 12),
          promote ? "promoted" : "kept as candidate (--makeProduction to make it production)");
      return new Outcome(id, metrics, promote);
    }
  }

  private static byte[] read(String path) throws java.io.IOException {
    try (InputStream in =
        Channels.newInputStream(
            FileSystems.open(FileSystems.matchSingleFileSpec(path).resourceId()))) {
      return in.readAllBytes();
    }
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
