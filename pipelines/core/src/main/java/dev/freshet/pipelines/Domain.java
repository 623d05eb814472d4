package dev.freshet.pipelines;

import dev.freshet.pipelines.io.EventFiles;
import dev.freshet.pipelines.io.FlightRecords;
import dev.freshet.pipelines.io.LabeledSources;
import dev.freshet.transforms.features.FeatureSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;

/**
 * The example domains and their test data: generated ride-sharing fraud (JSON lines of payments and
 * chargebacks) and real US flights (one Parquet file holding departures and delays).
 */
public enum Domain {
  FRAUD("fraud/fraud.yaml", "fraud/sample/events.jsonl", "fraud/sample/outcomes.jsonl"),
  FLIGHTS("flights/flights.yaml", "flights/flights-2001-01-01_07.parquet", null);

  private final String spec;
  private final String events;
  private final String outcomes;

  Domain(String spec, String events, String outcomes) {
    this.spec = spec;
    this.events = events;
    this.outcomes = outcomes;
  }

  public String defaultSpec() {
    return testdata().resolve(spec).toString();
  }

  public String defaultEvents() {
    return testdata().resolve(events).toString();
  }

  /** The default outcomes file, or {@code null} when the events file holds the outcomes too. */
  public String defaultOutcomes() {
    return outcomes == null ? null : testdata().resolve(outcomes).toString();
  }

  /**
   * The project's {@code testdata} folder, where the domains' specs and sample files are: the
   * system property {@code freshet.testdata.dir}, else the nearest folder named {@code testdata}
   * (holding {@code fraud/}) in or above the working directory.
   */
  static Path testdata() {
    String property = System.getProperty("freshet.testdata.dir");
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath();
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      Path candidate = dir.endsWith("testdata") ? dir : dir.resolve("testdata");
      if (Files.isDirectory(candidate.resolve("fraud"))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no testdata folder in or above "
            + cwd
            + ": give --spec and the data files, or -Dfreshet.testdata.dir=<path>");
  }

  /** Reads and parses this domain's events and outcomes from files. */
  public LabeledSources read(Pipeline p, FeatureSpec spec, String eventsPath, String outcomesPath) {
    if (this == FLIGHTS) {
      return p.apply("ReadFlights", FlightRecords.read(spec, eventsPath));
    }
    if (outcomesPath == null) {
      throw new IllegalArgumentException(
          "--outcomes is required for the "
              + name().toLowerCase(java.util.Locale.ROOT)
              + " domain");
    }
    return new LabeledSources(
        p.apply("ReadEvents", EventFiles.read(spec.events()).from(eventsPath)),
        p.apply("ReadOutcomes", EventFiles.read(spec.outcomes()).from(outcomesPath)));
  }
}
