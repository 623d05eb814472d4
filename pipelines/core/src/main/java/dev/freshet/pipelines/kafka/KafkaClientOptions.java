package dev.freshet.pipelines.kafka;

import java.util.List;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** The client settings of a secured or tuned Kafka cluster (see {@link KafkaClients}). */
public interface KafkaClientOptions extends PipelineOptions {
  @Description(
      "Kafka client settings for a secured or tuned cluster: a Java properties file on any Beam file"
          + " system (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location,"
          + " ...), used by every Kafka client Freshet makes. It is read where each client is made,"
          + " so secrets in it stay out of job graphs and logs; see docs/kafka.md.")
  String getKafkaProperties();

  void setKafkaProperties(String value);

  @Description(
      "One Kafka client setting, key=value (repeat the option for several), applied after"
          + " --kafkaProperties. Secrets (passwords, sasl.jaas.config) are refused here: put them in"
          + " the --kafkaProperties file.")
  List<String> getKafkaProperty();

  void setKafkaProperty(List<String> value);
}
