package dev.freshet.pipelines.cli.status;

import dev.freshet.model.events.ModelEvent;
import dev.freshet.pipelines.cli.models.ModelsCommand.Offline;
import java.time.Instant;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The continual-learning loop's state at one moment, as {@code freshet status} prints it: what the
 * registry says (production, challenger, the status histories) and, when the brokers were given,
 * what {@code model-events} and serve's consumer group say. A section the brokers are needed for is
 * null without them; {@code notes} says what is missing and why.
 *
 * @param decisionsFrom where the decisions come from: {@code model-events} or {@code registry}
 */
public record LoopStatus(
    String registry,
    @Nullable String bootstrapServers,
    Instant checkedAt,
    @Nullable Version production,
    @Nullable Version challenger,
    String decisionsFrom,
    List<Decision> decisions,
    @Nullable List<Drift> drift,
    @Nullable ServeLag serveLag,
    List<String> notes) {

  /**
   * A version in the loop: since when it holds its role (production: its latest promotion or
   * restore; challenger: its registration) and why, its offline evidence, and its latest online
   * evidence ({@code online} null with {@code onlineNote} saying why).
   */
  public record Version(
      String version,
      Instant since,
      @Nullable String reason,
      Offline offline,
      ModelEvent.@Nullable Online online,
      @Nullable String onlineNote) {}

  /** One decision of the loop: a model event, or an entry of a version's status history. */
  public record Decision(
      Instant at, String type, String version, @Nullable String source, @Nullable String reason) {}

  /**
   * A feature's latest drift event for the production version: PSI and KS (null: categorical)
   * against the threshold, and the values that left the training range (null without a range).
   */
  public record Drift(
      String feature,
      double psi,
      @Nullable Double ks,
      double threshold,
      @Nullable String outOfRange,
      Instant windowEnd,
      boolean alerting) {}

  /**
   * How far serve's consumer group is behind the end of the events topic, per partition; {@code
   * total} is null, with {@code unknownReason}, when the group has committed no offsets there.
   */
  public record ServeLag(
      String group,
      String topic,
      List<PartitionLag> partitions,
      @Nullable Long total,
      @Nullable String unknownReason) {}

  /**
   * One partition: its end offset, the group's committed offset (null: none) and the difference.
   */
  public record PartitionLag(
      int partition, long end, @Nullable Long committed, @Nullable Long lag) {}
}
