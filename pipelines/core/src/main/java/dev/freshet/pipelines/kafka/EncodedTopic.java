package dev.freshet.pipelines.kafka;

import dev.freshet.pipelines.encodings.TopicEncoding;
import dev.freshet.transforms.events.DecodeEvents;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.ParseEvents;
import dev.freshet.transforms.events.ParseResult;
import dev.freshet.transforms.features.FeatureSpec;
import org.apache.beam.sdk.Pipeline;

/**
 * The events or the outcomes topic with the encoding its options give ({@link EncodingOptions}):
 * where records enter a job, decoded once into rows of the spec's schema with dead letters. JSON is
 * read as strings and parsed by {@link ParseEvents} in exactly the steps it always had; AVRO,
 * CONFLUENT_AVRO and PROTOBUF are read as bytes and decoded by {@link DecodeEvents} with the same
 * parsing rules, dead-letter reasons and counters. Either way the result is a {@link ParseResult}.
 *
 * <pre>{@code
 * ParseResult events = EncodedTopic.events(options, spec).read(p, "ReadEvents", "ParseEvents");
 * }</pre>
 */
public final class EncodedTopic {
  private final KafkaOptions options;
  private final String topic;
  private final String specName;
  private final EventSchema schema;
  private final TopicEncoding encoding;

  private EncodedTopic(
      KafkaOptions options,
      String topic,
      String specName,
      EventSchema schema,
      TopicEncoding encoding) {
    this.options = options;
    this.topic = topic;
    this.specName = specName;
    this.schema = schema;
    this.encoding = encoding;
  }

  /** {@code --eventsTopic}, holding {@code spec}'s events in {@code --eventsEncoding}. */
  public static EncodedTopic events(KafkaOptions options, FeatureSpec spec) {
    return new EncodedTopic(
        options, options.getEventsTopic(), spec.name(), spec.events(), eventsEncoding(options));
  }

  /** {@code --outcomesTopic}, holding {@code spec}'s outcomes in {@code --outcomesEncoding}. */
  public static EncodedTopic outcomes(KafkaOptions options, FeatureSpec spec) {
    if (spec.outcomes() == null) {
      throw new IllegalArgumentException("feature spec '" + spec.name() + "' declares no outcomes");
    }
    return new EncodedTopic(
        options,
        options.getOutcomesTopic(),
        spec.name(),
        spec.outcomes(),
        outcomesEncoding(options));
  }

  /** The events' encoding options. */
  public static TopicEncoding eventsEncoding(EncodingOptions options) {
    return new TopicEncoding(
        "events",
        options.getEventsEncoding(),
        options.getEventsSchema(),
        options.getEventsMessage());
  }

  /** The outcomes' encoding options. */
  public static TopicEncoding outcomesEncoding(EncodingOptions options) {
    return new TopicEncoding(
        "outcomes",
        options.getOutcomesEncoding(),
        options.getOutcomesSchema(),
        options.getOutcomesMessage());
  }

  public String topic() {
    return topic;
  }

  public EventSchema schema() {
    return schema;
  }

  public TopicEncoding encoding() {
    return encoding;
  }

  /**
   * Checks the encoding options, reading and checking the schema files; fails naming the option.
   * Launches call it before they connect to anything.
   */
  public EncodedTopic check() {
    encoding.check(specName, schema);
    return this;
  }

  /**
   * Reads and parses the topic on {@code p} in the steps {@code readStep} (the Kafka read) and
   * {@code parseStep} (parsing or decoding); the source in dead letters and counters is the
   * schema's name.
   */
  public ParseResult read(Pipeline p, String readStep, String parseStep) {
    if (encoding.isJson()) {
      check();
      return p.apply(readStep, KafkaTopics.read(options, topic))
          .apply(parseStep, ParseEvents.json(schema).withSource(schema.name()));
    }
    return p.apply(readStep, KafkaTopics.readBytes(options, topic))
        .apply(
            parseStep,
            DecodeEvents.with(schema, encoding.decoder(specName, schema))
                .withSource(schema.name()));
  }
}
