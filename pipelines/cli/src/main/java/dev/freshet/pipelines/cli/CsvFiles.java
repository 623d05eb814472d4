package dev.freshet.pipelines.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The command line's CSV tables (the run's online NE, the freshness report): written with
 * commons-csv (RFC 4180 quoting of any cell with a comma or quote), numbers with a decimal point
 * whatever the JVM's default locale, so spreadsheets and pandas read them anywhere.
 */
public final class CsvFiles {
  private CsvFiles() {}

  /** A printer to {@code file} (replaced) whose first record is {@code header}. */
  public static CSVPrinter create(Path file, String... header) throws IOException {
    return CSVFormat.DEFAULT
        .builder()
        .setHeader(header)
        .setRecordSeparator('\n')
        .get()
        .print(Files.newBufferedWriter(file));
  }

  /** {@code value} with {@code digits} decimals and a decimal point. */
  public static String decimal(double value, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", value);
  }
}
