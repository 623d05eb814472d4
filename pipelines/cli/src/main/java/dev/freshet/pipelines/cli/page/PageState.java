package dev.freshet.pipelines.cli.page;

import dev.freshet.pipelines.cli.status.LoopStatus;
import java.time.Instant;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the live page shows at one moment, served as JSON on {@code /api/state}: the loop's state
 * ({@link LoopStatus}, as {@code freshet status --json} prints it), online NE over stream time, the
 * loop's decisions as markers on that chart, throughput and latency, and notes saying what is
 * missing and why. Times on the chart are epoch milliseconds of stream (event) time.
 *
 * @param source the command serving the page, e.g. {@code freshet run}
 * @param status the loop's state, null while it cannot be read ({@code statusError} says why)
 * @param streamNowMillis how far the stream has got (null: unknown), where labels settle up to
 * @param markers the loop's decisions on the NE chart, oldest first
 * @param driftOnsetMillis when the replayed stream's new fraud pattern starts (null: none, unknown)
 * @param traffic null where the server does not see the predictions
 */
public record PageState(
    String source,
    Instant at,
    @Nullable LoopStatus status,
    @Nullable String statusError,
    NeSeries ne,
    List<Marker> markers,
    @Nullable Long streamNowMillis,
    @Nullable Long driftOnsetMillis,
    @Nullable Traffic traffic,
    List<String> notes) {

  /**
   * Online normalized entropy per slice of stream time, of the served predictions and of a second
   * model ({@code staticName}) on the same labelled predictions; {@code emptyNote} says why there
   * are no points yet. {@code xAxis} says what the x axis is (stream time in {@code freshet run}).
   */
  public record NeSeries(
      String xAxis,
      String servedName,
      String staticName,
      List<NePoint> points,
      long labelled,
      long pending,
      String emptyNote) {}

  /**
   * One slice {@code [startMillis, endMillis)} of stream time: the labelled predictions in it and
   * their NE (null: not defined, no positives or no negatives yet).
   */
  public record NePoint(
      long startMillis,
      long endMillis,
      long examples,
      long positives,
      @Nullable Double servedNe,
      @Nullable Double staticNe) {}

  /**
   * One decision of the loop where it happened on the chart's x axis ({@code freshet run}: how far
   * the served stream had got when it was announced), with its evidence in words.
   *
   * @param type the model event's type, e.g. {@code promoted}, {@code rolled_back}
   * @param name the version's short name, e.g. {@code #4}
   */
  public record Marker(
      long xMillis, Instant at, String type, String version, String name, String evidence) {}

  /** Payments sent and predictions read back, with a history of throughput and latency. */
  public record Traffic(
      long sent,
      long predictions,
      long deadLetters,
      @Nullable Double p50Millis,
      @Nullable Double p99Millis,
      List<TrafficSample> samples) {}

  /**
   * Predictions read back per second of wall clock since the previous sample, and the p99 latency
   * (send to prediction read back) of those predictions; {@code seconds} since the page started.
   */
  public record TrafficSample(
      double seconds, double predictionsPerSecond, @Nullable Double p99Millis) {}
}
