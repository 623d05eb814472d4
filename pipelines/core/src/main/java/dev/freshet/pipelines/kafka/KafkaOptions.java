package dev.freshet.pipelines.kafka;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Where the streaming pipelines find Kafka, the topics they talk through and how the events and
 * outcomes there are encoded.
 */
public interface KafkaOptions extends KafkaClientOptions, EncodingOptions {
  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Validation.Required
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description(
      "Topic of the events to score (one record each, in --eventsEncoding; keyed by entity).")
  @Default.String("events")
  String getEventsTopic();

  void setEventsTopic(String value);

  @Description("Topic of the outcomes (natural labels) that arrive later, in --outcomesEncoding.")
  @Default.String("outcomes")
  String getOutcomesTopic();

  void setOutcomesTopic(String value);

  @Description("Topic the predictions (with their feature vectors) are written to.")
  @Default.String("predictions")
  String getPredictionsTopic();

  void setPredictionsTopic(String value);

  @Description("Topic of dead letters: malformed or unusable records with the reason.")
  @Default.String("dead-letters")
  String getDeadLettersTopic();

  void setDeadLettersTopic(String value);

  @Description("Topic of model lifecycle events: promotions, roll-backs, refusals.")
  @Default.String("model-events")
  String getModelEventsTopic();

  void setModelEventsTopic(String value);

  @Description(
      "Where to start reading a topic that this consumer group has no committed offset for: EARLIEST or LATEST.")
  @Default.Enum("LATEST")
  StartOffset getStartOffset();

  void setStartOffset(StartOffset value);

  @Description(
      "Kafka consumer group id; its committed offsets tell a newly started job where to begin.")
  @Default.String("freshet")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "How far (seconds of event time) records may arrive behind the newest one in their partition before they count as late.")
  @Default.Long(60)
  long getMaxOutOfOrderSeconds();

  void setMaxOutOfOrderSeconds(long value);

  @Description(
      "Seconds a restorable Kafka reader (on Flink with checkpoints, and on Dataflow: Beam's splittable reader) waits in one poll when no records come. A checkpoint waits for the poll in progress, so a shorter poll shortens checkpoints and the latency they add (docs/benchmarks/serve.md). At least 1; Beam's default is 2.")
  @Default.Long(2)
  long getConsumerPollingTimeoutSeconds();

  void setConsumerPollingTimeoutSeconds(long value);

  @Description(
      "What this job's Kafka writes guarantee when it restarts from a checkpoint. AT_LEAST_ONCE: what it wrote after its last completed checkpoint is written again (duplicates, told apart by event id). EXACTLY_ONCE: written in Kafka transactions committed with the checkpoints; restored from its latest checkpoint the job writes nothing twice, and a record becomes visible to read_committed consumers when the checkpoint that holds it completes (up to a checkpoint interval of latency). Needs --checkpointingInterval on Flink. See docs/faults.md.")
  @Default.Enum("AT_LEAST_ONCE")
  DeliveryGuarantee getDeliveryGuarantee();

  void setDeliveryGuarantee(DeliveryGuarantee value);

  /** What a job's Kafka writes guarantee across restarts ({@code --deliveryGuarantee}). */
  enum DeliveryGuarantee {
    AT_LEAST_ONCE,
    EXACTLY_ONCE
  }

  /** The {@code auto.offset.reset} policies. */
  enum StartOffset {
    EARLIEST,
    LATEST
  }
}
