package dev.freshet.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the committed data files from any module's tests: looks for the {@code testdata} folder in
 * the working directory and its parents (Maven runs tests in the module folder), or takes it from
 * the system property {@value #DIR_PROPERTY}.
 */
public final class TestDataFiles {

  /** System property that points at the {@code testdata} folder directly. */
  public static final String DIR_PROPERTY = "freshet.testdata.dir";

  /** Settings the committed fraud sample was generated with (see testdata/README.md). */
  public static final long SAMPLE_EVENTS = 20_000;

  /** Seed of the committed fraud sample. */
  public static final long SAMPLE_SEED = 42;

  /** Events per second of the committed fraud sample (about 2.3 days of stream time). */
  public static final double SAMPLE_EVENTS_PER_SECOND = 0.1;

  /** The payments' Protobuf message type in {@link #fraudProtoDescriptors()}. */
  public static final String FRAUD_PAYMENT_MESSAGE = "freshet.fraud.Payment";

  /** The chargebacks' Protobuf message type in {@link #fraudProtoDescriptors()}. */
  public static final String FRAUD_CHARGEBACK_MESSAGE = "freshet.fraud.Chargeback";

  private TestDataFiles() {}

  /** The {@code testdata} folder. */
  public static Path root() {
    String property = System.getProperty(DIR_PROPERTY);
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (isTestData(dir)) {
        return dir;
      }
      Path child = dir.resolve("testdata");
      if (isTestData(child)) {
        return child;
      }
    }
    throw new IllegalStateException(
        "no testdata folder above " + start + "; set -D" + DIR_PROPERTY + "=<path>");
  }

  /** The committed fraud sample's payments ({@code fraud/sample/events.jsonl}). */
  public static Path fraudSampleEvents() {
    return root().resolve("fraud/sample/events.jsonl");
  }

  /** The committed fraud sample's chargebacks ({@code fraud/sample/outcomes.jsonl}). */
  public static Path fraudSampleOutcomes() {
    return root().resolve("fraud/sample/outcomes.jsonl");
  }

  /** The payments' Avro writer schema ({@code fraud/payments.avsc}). */
  public static Path fraudPaymentsAvroSchema() {
    return root().resolve("fraud/payments.avsc");
  }

  /** The chargebacks' Avro writer schema ({@code fraud/chargebacks.avsc}). */
  public static Path fraudChargebacksAvroSchema() {
    return root().resolve("fraud/chargebacks.avsc");
  }

  /**
   * The {@code FileDescriptorSet} of {@code fraud/fraud.proto} ({@code fraud/fraud.desc}), with its
   * messages {@value #FRAUD_PAYMENT_MESSAGE} and {@value #FRAUD_CHARGEBACK_MESSAGE}.
   */
  public static Path fraudProtoDescriptors() {
    return root().resolve("fraud/fraud.desc");
  }

  /** A generator with the exact settings of the committed fraud sample. */
  public static FraudGenerator fraudSampleGenerator() {
    return FraudGenerator.builder()
        .events(SAMPLE_EVENTS)
        .seed(SAMPLE_SEED)
        .eventsPerSecond(SAMPLE_EVENTS_PER_SECOND)
        .build();
  }

  /** The committed flights slice, 2001-01-01 .. 2001-01-07 inclusive. */
  public static Path flightsSlice() {
    return root().resolve("flights/flights-2001-01-01_07.parquet");
  }

  /** The full flights file, present only after {@code testdata/flights/fetch-full.sh}. */
  public static Path flightsFull() {
    return root().resolve("flights/full/flights-3m.parquet");
  }

  private static boolean isTestData(Path dir) {
    return dir.getFileName() != null
        && dir.getFileName().toString().equals("testdata")
        && Files.isDirectory(dir.resolve("fraud"))
        && Files.isDirectory(dir.resolve("flights"));
  }
}
