package dev.freshet.testdata;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line for {@link FraudGenerator}: writes {@code DIR/events.jsonl} and {@code
 * DIR/outcomes.jsonl} (or {@code .parquet}) and prints a summary.
 *
 * <pre>
 * java -cp ... dev.freshet.testdata.GenerateFraud --events 20000 --seed 42 --out testdata/fraud/sample
 * </pre>
 */
@Command(
    name = "generate-fraud",
    mixinStandardHelpOptions = true,
    version = "freshet-testdata 0.1.0",
    description = {
      "Generates a seeded ride-sharing payment stream with fraud, a drift (a new fraud pattern"
          + " from the onset) and delayed chargebacks.",
      "Writes DIR/events.<ext> (payments in event-time order) and DIR/outcomes.<ext>"
          + " (chargebacks in outcome-time order)."
    })
public final class GenerateFraud implements Callable<Integer> {

  /** Output formats. */
  public enum Format {
    /** JSON lines ({@code .jsonl}). */
    jsonl,
    /** Parquet written with parquet-avro ({@code .parquet}). */
    parquet
  }

  @Option(names = "--events", description = "Number of payments (default: ${DEFAULT-VALUE}).")
  long events = 20_000;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--driftAt",
      description =
          "Drift onset as a fraction of the stream's expected duration; negative: no drift"
              + " (default: ${DEFAULT-VALUE}).")
  double driftAt = FraudGenerator.DEFAULT_DRIFT_AT;

  @Option(
      names = "--eventsPerSecond",
      description = "Mean payments per second of event time (default: ${DEFAULT-VALUE}).")
  double eventsPerSecond = FraudGenerator.DEFAULT_EVENTS_PER_SECOND;

  @Option(
      names = "--start",
      description = "Start of the stream, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Instant start = FraudGenerator.DEFAULT_START;

  @Option(
      names = "--fraudRate",
      description = "Share of fraudulent payments before the onset (default: ${DEFAULT-VALUE}).")
  double fraudRate = FraudGenerator.DEFAULT_FRAUD_RATE;

  @Option(
      names = "--riders",
      description = "Riders at the start (default: events-per-second x 4 h, at least 50).")
  Integer riders;

  @Option(names = "--cards", description = "Cards at the start (default: two per rider).")
  Integer cards;

  @Option(names = "--cities", description = "Number of cities (default: ${DEFAULT-VALUE}).")
  int cities = FraudGenerator.DEFAULT_CITIES;

  @Option(
      names = "--format",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format format = Format.jsonl;

  @Option(names = "--out", required = true, description = "Output folder (created if needed).")
  Path out;

  @Option(names = "--quiet", description = "No progress lines (the summary is still printed).")
  boolean quiet;

  PrintStream stdout = System.out;
  PrintStream stderr = System.err;

  /** Runs the command line; exits with the status only when it is not zero. */
  public static void main(String[] args) {
    int status = new CommandLine(new GenerateFraud()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws IOException {
    FraudGenerator.Builder b =
        FraudGenerator.builder()
            .seed(seed)
            .events(events)
            .start(start)
            .eventsPerSecond(eventsPerSecond)
            .cities(cities)
            .driftAt(driftAt)
            .fraudRate(fraudRate);
    if (riders != null) {
      b.riders(riders);
    }
    if (cards != null) {
      b.cards(cards);
    }
    FraudGenerator generator = b.build();
    FraudSummary summary = write(generator, out, format, quiet ? null : stderr);
    stdout.print(summary.describe());
    stdout.printf(
        Locale.ROOT,
        "wrote %s and %s%n",
        out.resolve(eventsFile(format)),
        out.resolve(outcomesFile(format)));
    return 0;
  }

  /** The events file name for a format. */
  public static String eventsFile(Format format) {
    return "events." + format.name();
  }

  /** The outcomes file name for a format. */
  public static String outcomesFile(Format format) {
    return "outcomes." + format.name();
  }

  /**
   * Streams a generator into {@code dir} in the given format.
   *
   * @param progress where to print a line every ~10 % (for 100,000 events or more), or null
   * @return the summary of what was written
   */
  public static FraudSummary write(
      FraudGenerator generator, Path dir, Format format, PrintStream progress) throws IOException {
    Files.createDirectories(dir);
    Path eventsPath = dir.resolve(eventsFile(format));
    Path outcomesPath = dir.resolve(outcomesFile(format));
    long n = generator.events();
    long step = n >= 100_000 ? Math.max(1, n / 10) : Long.MAX_VALUE;
    long t0 = System.nanoTime();
    try (FraudStream stream = generator.open();
        RecordWriter<Payment> events =
            format == Format.jsonl
                ? FraudJsonl.paymentWriter(eventsPath)
                : FraudParquet.paymentWriter(eventsPath)) {
      while (stream.hasNext()) {
        events.write(stream.next().payment());
        long done = stream.emitted();
        if (progress != null && done % step == 0) {
          progress.printf(
              Locale.ROOT,
              "%3d%% %,d events (%.1f s)%n",
              done * 100 / n,
              done,
              (System.nanoTime() - t0) / 1e9);
        }
      }
      List<Chargeback> chargebacks = stream.chargebacks();
      try (RecordWriter<Chargeback> outcomes =
          format == Format.jsonl
              ? FraudJsonl.chargebackWriter(outcomesPath)
              : FraudParquet.chargebackWriter(outcomesPath)) {
        outcomes.writeAll(chargebacks);
      }
      return stream.summary();
    }
  }
}
