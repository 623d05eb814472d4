package dev.freshet.pipelines.archive;

import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * Where archived records go: {@code <stream>/date=YYYY-MM-DD/hour=HH/part-<window>-<pane>-<shard>
 * -of-<shards>-<run>.parquet} under the archive directory, the date and hour (UTC) of the record's
 * own event time. Hive-style {@code key=value} directories let readers glob or prune by day and
 * hour ({@code payments/date=2026-01-08/**}{@code /*.parquet}).
 *
 * <p>A file name is unique per window, pane and shard, and per run: a restarted job (which starts
 * counting panes from 0 again) writes new files next to the old ones and never replaces them.
 */
public final class ArchiveLayout {
  /** Suffix of archived files; readers detect Parquet by it. */
  public static final String SUFFIX = ".parquet";

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter WINDOW =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);

  private ArchiveLayout() {}

  /** The partition directory of a record whose event time is {@code eventTimeMillis}. */
  public static String partition(long eventTimeMillis) {
    Instant t = Instant.ofEpochMilli(eventTimeMillis);
    return "date=" + DATE.format(t) + "/hour=" + HOUR.format(t);
  }

  /** The file naming of one partition directory for the run {@code runId}. */
  public static FileIO.Write.FileNaming naming(String partition, String runId) {
    return new PartNaming(partition, runId);
  }

  /** Names the files of one partition; see the class comment. */
  static final class PartNaming implements FileIO.Write.FileNaming, Serializable {
    private final String partition;
    private final String runId;

    PartNaming(String partition, String runId) {
      this.partition = partition;
      this.runId = runId;
    }

    @Override
    public String getFilename(
        BoundedWindow window,
        PaneInfo pane,
        int numShards,
        int shardIndex,
        Compression compression) {
      String windowPart =
          window instanceof IntervalWindow w
              ? WINDOW.format(Instant.ofEpochMilli(w.start().getMillis()))
              : "all";
      return String.format(
          "%s/part-%s-%s%d-%05d-of-%05d-%s%s",
          partition,
          windowPart,
          paneKind(pane),
          pane.getIndex(),
          shardIndex,
          numShards,
          runId,
          SUFFIX);
    }

    /** {@code e} early, {@code o} on time, {@code l} late: tells a reader what a file holds. */
    private static String paneKind(PaneInfo pane) {
      return switch (pane.getTiming()) {
        case EARLY -> "e";
        case ON_TIME -> "o";
        case LATE -> "l";
        case UNKNOWN -> "u";
      };
    }
  }
}
