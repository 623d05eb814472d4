package dev.freshet.pipelines.cli.status;

import dev.freshet.model.registry.ModelRegistry;
import dev.freshet.pipelines.cli.KafkaSettings;
import dev.freshet.pipelines.cli.models.ModelsCommand.RegistryOption;
import dev.freshet.pipelines.cli.page.LivePage;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code freshet status}: the continual-learning loop's state from a registry and, when given, the
 * brokers (see {@link LoopStatusReader}), as text or JSON, once or every few seconds.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "The loop's state: production (since when, offline evidence, the evidence it was promoted"
          + " on), the challenger (offline evidence, latest online evidence), the last 10"
          + " decisions with their reasons, drift per feature of production and serve's lag.",
      "The registry alone gives production, the challenger and the decisions of its status"
          + " histories; --bootstrapServers adds model-events (decisions with their online"
          + " evidence, drift) and serve's lag. Fails, naming the path, where no registry was ever"
          + " written."
    })
public final class StatusCommand extends RegistryOption implements Callable<Integer> {
  @Option(
      names = "--bootstrapServers",
      description =
          "Kafka to read model-events and serve's offsets from; registry only when unset.")
  String bootstrapServers;

  @Option(
      names = "--modelEventsTopic",
      defaultValue = "model-events",
      description = "Topic of model lifecycle events (default: ${DEFAULT-VALUE}).")
  String modelEventsTopic;

  @Option(
      names = "--eventsTopic",
      defaultValue = "events",
      description = "The topic serve scores (default: ${DEFAULT-VALUE}).")
  String eventsTopic;

  @Option(
      names = "--consumerGroup",
      defaultValue = "freshet",
      description = "Serve's consumer group, whose lag is shown (default: ${DEFAULT-VALUE}).")
  String consumerGroup;

  @Option(names = "--json", description = "Print one JSON object (for scripts).")
  boolean json;

  @Option(
      names = "--watch",
      arity = "0..1",
      fallbackValue = "5",
      paramLabel = "SECONDS",
      description = "Reprint every SECONDS (5 when not given) until interrupted.")
  Integer watchSeconds;

  @Option(
      names = "--http",
      paramLabel = "PORT",
      description =
          "Serve the live page on PORT (0: a free port) instead of printing: the loop's state,"
              + " its decisions with their evidence on hover, online evidence per decision and"
              + " drift, refreshed every 2 s, until interrupted. Prints its address.")
  Integer http;

  @Option(
      names = "--httpAddress",
      defaultValue = "127.0.0.1",
      description =
          "Address the page listens on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0:"
              + " every interface).")
  String httpAddress;

  @Mixin KafkaSettings kafkaSettings = new KafkaSettings();

  /** How many times to print; a test's way to stop a watch. */
  int iterations = Integer.MAX_VALUE;

  PrintStream out = System.out;

  /** Waits between refreshes; a test's way to refresh without waiting. */
  interface Pause {
    void sleep(long millis) throws InterruptedException;
  }

  Pause pause = Thread::sleep;

  /** Blocks while the page is served; a test's way to look at it and stop. */
  interface Serving {
    void await(LivePage page) throws Exception;
  }

  Serving serving = page -> new CountDownLatch(1).await();

  @Override
  public Integer call() throws Exception {
    ModelRegistry r = openExisting();
    LoopStatusReader reader =
        new LoopStatusReader(
            r,
            registry,
            bootstrapServers == null ? null : kafkaSettings.clients(bootstrapServers),
            modelEventsTopic,
            eventsTopic,
            consumerGroup);
    if (http != null) {
      try (LivePage page = LivePage.start(httpAddress, http, new StatusPage(reader))) {
        out.printf("live page: %s (refreshed every 2 s; Ctrl-C stops it)%n", page.url());
        out.flush();
        serving.await(page);
      }
      return 0;
    }
    int times = watchSeconds == null ? 1 : iterations;
    for (int i = 0; i < times; i++) {
      if (i > 0) {
        pause.sleep(watchSeconds * 1000L);
        if (!json) {
          out.println();
          out.println("-".repeat(100));
        }
      }
      LoopStatus status = reader.read();
      if (json) {
        out.println(StatusJson.of(status));
      } else {
        StatusText.print(status, out);
      }
      out.flush();
    }
    return 0;
  }
}
