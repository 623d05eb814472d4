package dev.freshet.pipelines.cli.models;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.model.registry.ModelManifest;
import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.model.registry.ModelVersion;
import dev.freshet.pipelines.cli.BeamFileSystems;
import dev.freshet.pipelines.cli.KafkaSettings;
import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.pipelines.kafka.KafkaTopics;
import dev.freshet.pipelines.kafka.ModelEvents;
import dev.freshet.pipelines.train.ImportJob;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code freshet models}: list, describe, import, promote and roll back registered model versions.
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "Inspect and manage the model registry.",
    subcommands = {
      ModelsCommand.ListVersions.class,
      ModelsCommand.Describe.class,
      ModelsCommand.Import.class,
      ModelsCommand.Promote.class,
      ModelsCommand.Rollback.class
    })
public final class ModelsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    picocli.CommandLine.usage(this, System.out);
    return 0;
  }

  /** The registry option every subcommand (and {@code freshet status}) takes. */
  public static class RegistryOption {
    @Option(
        names = "--registry",
        defaultValue = "out/registry",
        description =
            "Model registry path, local, gs:// or s3:// (default: ${DEFAULT-VALUE}). Beam's"
                + " file-system options (--awsRegion, --endpoint, ...) configure the store.")
    public String registry;

    /** Beam's file-system options for the registry's store (see {@link BeamFileSystems}). */
    @Unmatched List<String> fileSystemOptions = new ArrayList<>();

    /** The registry, with the file systems its path needs. */
    ModelRegistry open() {
      BeamFileSystems.register(fileSystemOptions);
      return ModelRegistry.at(registry);
    }

    /** {@link #open}, refusing a path where no registry was ever written (a typo, say). */
    public ModelRegistry openExisting() throws IOException {
      ModelRegistry r = open();
      if (!r.exists()) {
        throw new IllegalArgumentException(
            "no model registry at --registry="
                + registry
                + " (no versions, no production pointer); check the path, or register a model"
                + " there with: freshet train --registry="
                + registry);
      }
      return r;
    }
  }

  /** Registry plus where pointer changes are announced. */
  static class AnnouncingOption extends RegistryOption {
    @Option(
        names = "--bootstrapServers",
        description = "Kafka to announce the change on (model-events); not announced when unset.")
    String bootstrapServers;

    @Option(
        names = "--modelEventsTopic",
        defaultValue = "model-events",
        description = "Topic of model lifecycle events (default: ${DEFAULT-VALUE}).")
    String modelEventsTopic;

    @Mixin KafkaSettings kafkaSettings = new KafkaSettings();

    /** Moves the production pointer with {@code change}, prints and announces where it went. */
    int movePointer(ModelEvent.Type type, PointerChange change) throws Exception {
      ModelRegistry registry = open();
      KafkaClients kafka = null;
      if (bootstrapServers != null) {
        // Before the pointer moves: a change that cannot be announced is not made.
        kafka = kafkaSettings.clients(bootstrapServers);
        KafkaTopics.requireReachable(kafka, List.of(modelEventsTopic), Duration.ofSeconds(5));
      }
      String previous = registry.production().orElse(null);
      String now = change.apply(registry);
      System.out.println("production is now " + now);
      if (kafka != null) {
        try (ModelEvents events = ModelEvents.to(kafka, modelEventsTopic)) {
          events.publish(ModelEvent.of(type, now, "freshet models").previous(previous).build());
        }
        System.out.println("announced on " + modelEventsTopic);
      }
      return 0;
    }
  }

  /** A change of the production pointer; returns the version now in production. */
  @FunctionalInterface
  interface PointerChange {
    String apply(ModelRegistry registry) throws Exception;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List versions, newest last, with their offline evidence (NE and AUC on the holdout for"
            + " a trained version, on the smoke-test set for one the learner registered) and,"
            + " indented below, the online evidence of the last decision about them.",
        "Fails, naming the path, where no registry was ever written."
      })
  static final class ListVersions extends RegistryOption implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      ModelRegistry r = openExisting();
      String production = r.production().orElse("");
      System.out.printf(
          "%-34s %-10s %-8s %7s %7s %9s  %s%n",
          "version", "status", "offline", "NE", "AUC", "examples", "parent");
      for (ModelVersion v : r.list()) {
        ModelManifest m = v.manifest();
        Offline offline = Offline.of(m.metrics());
        System.out.printf(
            Locale.ROOT,
            "%-34s %-10s %-8s %7s %7s %,9d  %s%s%s%n",
            v.id(),
            v.status(),
            offline.source(),
            offline.format(offline.ne()),
            offline.format(offline.auc()),
            m.dataRange().exampleCount(),
            m.parentVersion() == null ? "-" : m.parentVersion(),
            m.externalNetwork()
                .map(e -> "   [" + m.network() + " from " + e.sourceFile() + "]")
                .orElse(""),
            v.id().equals(production) ? "   <- production" : "");
        if (!v.history().isEmpty()) {
          String reason = v.history().get(v.history().size() - 1).reason();
          if (reason != null && reason.contains("online")) {
            System.out.println("    " + reason);
          }
        }
      }
      return 0;
    }
  }

  /** Where a version's offline NE and AUC come from: train's holdout or the learner's gate. */
  public record Offline(String source, double ne, double auc) {
    public static Offline of(Map<String, Double> metrics) {
      if (metrics.containsKey("normalizedEntropy")) {
        return new Offline(
            "holdout", metrics.get("normalizedEntropy"), metrics.getOrDefault("auc", Double.NaN));
      }
      if (metrics.containsKey("smoke_normalizedEntropy")) {
        return new Offline(
            "smoke",
            metrics.get("smoke_normalizedEntropy"),
            metrics.getOrDefault("smoke_auc", Double.NaN));
      }
      return new Offline("-", Double.NaN, Double.NaN);
    }

    public String format(double value) {
      return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "-";
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a version's manifest and history.")
  static final class Describe extends RegistryOption implements Callable<Integer> {
    @Parameters(index = "0", description = "Version id.")
    String id;

    @Override
    public Integer call() throws Exception {
      ModelVersion v = openExisting().describe(id);
      ModelManifest m = v.manifest();
      System.out.printf("version      %s (%s)%n", v.id(), v.status());
      System.out.printf("created      %s%n", m.createdAt());
      if (m.external() == null) {
        System.out.printf("network      %s %s%n", m.network(), m.config());
      } else {
        System.out.printf(
            "network      %s, external: imported from %s (sha256 %s), output %s, %s%n",
            m.network(),
            m.external().sourceFile(),
            m.external().sourceSha256(),
            m.external().output().name().toLowerCase(Locale.ROOT),
            m.external().standardized()
                ? "numeric columns standardised by Freshet"
                : "raw values (the network normalises itself)");
      }
      System.out.printf(
          "features     %d, fingerprint %s%n", m.layout().size(), m.layout().fingerprint());
      System.out.printf("parent       %s%n", m.parentVersion() == null ? "-" : m.parentVersion());
      System.out.printf(
          "data         %s .. %s, %,d examples%n",
          m.dataRange().minEventTime(), m.dataRange().maxEventTime(), m.dataRange().exampleCount());
      m.metrics().forEach((k, val) -> System.out.printf("metric       %-20s %.6f%n", k, val));
      v.history().forEach(e -> System.out.printf("history      %s%n", e));
      return 0;
    }
  }

  @Command(
      name = "import",
      description =
          "Register your own TorchScript (--torchscript=FILE) or ONNX (--onnx=FILE) model as a"
              + " version, checked on the spec's feature vectors (--help lists the options).")
  static final class Import implements Callable<Integer> {
    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return ImportJob.run(args.toArray(new String[0]), System.out);
    }
  }

  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = "Make a version production.")
  static final class Promote extends AnnouncingOption implements Callable<Integer> {
    @Parameters(index = "0", description = "Version id.")
    String id;

    @Override
    public Integer call() throws Exception {
      return movePointer(
          ModelEvent.Type.PROMOTED,
          registry -> {
            registry.promote(id);
            return id;
          });
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Return production to the previous version.")
  static final class Rollback extends AnnouncingOption implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return movePointer(ModelEvent.Type.ROLLED_BACK, ModelRegistry::rollback);
    }
  }
}
