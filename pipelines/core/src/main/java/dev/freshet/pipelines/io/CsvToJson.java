package dev.freshet.pipelines.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Turns each row of a CSV file with a header line into a JSON record, typed by the event schema, so
 * CSV goes through the same parsing and dead-letter rules as JSON lines and Parquet: a cell of a
 * numeric or boolean field that reads as a number or boolean becomes one, anything else stays a
 * string (and a value of the wrong type becomes a {@code WRONG_TYPE} dead letter when parsed); an
 * empty cell is a missing value; columns the schema does not name are kept as strings. A row whose
 * cell count differs from the header's is passed on as its raw text, which parses as a {@code
 * MALFORMED_JSON} dead letter carrying the row.
 */
final class CsvToJson extends DoFn<FileIO.ReadableFile, String> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CSVFormat HEADED =
      CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get();

  private final EventSchema schema;

  CsvToJson(EventSchema schema) {
    this.schema = schema;
  }

  @ProcessElement
  public void process(@Element FileIO.ReadableFile file, OutputReceiver<String> out)
      throws IOException {
    try (Reader reader = Channels.newReader(file.open(), StandardCharsets.UTF_8);
        CSVParser parser = HEADED.parse(reader)) {
      List<String> header = parser.getHeaderNames();
      for (CSVRecord row : parser) {
        out.output(row.size() == header.size() ? toJson(header, row) : String.join(",", row));
      }
    } catch (UncheckedIOException e) {
      throw new IOException(
          "CSV file " + file.getMetadata().resourceId() + " cannot be read: " + e.getMessage(), e);
    }
  }

  private String toJson(List<String> header, CSVRecord row) {
    ObjectNode node = JSON.createObjectNode();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      String cell = row.get(i);
      if (cell.isEmpty()) {
        continue;
      }
      FieldType type = schema.hasField(name) ? schema.field(name).type() : FieldType.STRING;
      put(node, name, cell, type);
    }
    return node.toString();
  }

  private static void put(ObjectNode node, String name, String cell, FieldType type) {
    try {
      switch (type) {
        case LONG -> node.put(name, Long.parseLong(cell));
        case DOUBLE -> node.put(name, Double.parseDouble(cell));
        case BOOLEAN -> {
          if (cell.equalsIgnoreCase("true") || cell.equalsIgnoreCase("false")) {
            node.put(name, Boolean.parseBoolean(cell));
          } else {
            node.put(name, cell);
          }
        }
        case TIMESTAMP -> {
          if (cell.chars().allMatch(Character::isDigit)) {
            node.put(name, Long.parseLong(cell));
          } else {
            node.put(name, cell);
          }
        }
        default -> node.put(name, cell);
      }
    } catch (NumberFormatException e) {
      // Left as text: the parser reports the field and its type as a WRONG_TYPE dead letter.
      node.put(name, cell);
    }
  }
}
