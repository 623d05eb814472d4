package dev.freshet.pipelines.cli;

import dev.freshet.pipelines.kafka.KafkaClients;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The Kafka client settings of the commands that are not pipelines ({@code replay}, {@code
 * models}), spelled and applied as the pipelines' {@code --kafkaProperties} and {@code
 * --kafkaProperty} are (see {@link KafkaClients}).
 */
public final class KafkaSettings {
  @Option(
      names = "--kafkaProperties",
      paramLabel = "FILE",
      description =
          "Kafka client settings (security.protocol, sasl.mechanism, sasl.jaas.config, ...): a Java"
              + " properties file on any file system Freshet reads. Keep secrets here.")
  String file;

  @Option(
      names = "--kafkaProperty",
      paramLabel = "KEY=VALUE",
      description =
          "One Kafka client setting; repeat for several. Secrets are refused here: use"
              + " --kafkaProperties.")
  List<String> properties = new ArrayList<>();

  /**
   * The clients of {@code bootstrapServers} with these settings; a properties file on an object
   * store needs the command's file systems registered first ({@link BeamFileSystems}).
   */
  public KafkaClients clients(String bootstrapServers) {
    return KafkaClients.of(bootstrapServers, file, properties);
  }
}
