package dev.freshet.pipelines.encodings;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The writer schemas of a topic in the Confluent wire format: one {@code <schema id>.avsc} per id
 * in a directory on any Beam file system (an export of the Schema Registry's subjects). Read once
 * per worker JVM and shared by its threads; an id not there at the start is looked up once, the
 * first time a record names it, so a schema added before producers use it is picked up without a
 * restart.
 */
final class AvroSchemaDirectory {
  private static final Pattern FILE_NAME = Pattern.compile("(\\d{1,10})\\.avsc");
  private static final ConcurrentMap<String, AvroSchemaDirectory> OPEN = new ConcurrentHashMap<>();

  /** The schema of an id, or why there is none. */
  record Lookup(Schema schema, String problem) {}

  private final String directory;
  private final ConcurrentMap<Integer, Lookup> byId = new ConcurrentHashMap<>();

  private AvroSchemaDirectory(String directory, Map<Integer, Schema> schemas) {
    this.directory = directory;
    schemas.forEach((id, schema) -> byId.put(id, new Lookup(schema, null)));
  }

  /** The directory's schemas, read the first time this JVM opens it. */
  static AvroSchemaDirectory open(String directory) throws IOException {
    try {
      return OPEN.computeIfAbsent(
          directory,
          d -> {
            try {
              return new AvroSchemaDirectory(d, readAll(d));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Every {@code <id>.avsc} of {@code directory} by id; {@link IllegalArgumentException} naming a
   * file that is misnamed or not an Avro record schema.
   */
  static Map<Integer, Schema> readAll(String directory) throws IOException {
    Map<Integer, Schema> schemas = new TreeMap<>();
    for (ResourceId file : SchemaFiles.list(directory, ".avsc")) {
      String name = file.getFilename();
      Matcher m = FILE_NAME.matcher(name == null ? "" : name);
      if (!m.matches() || Long.parseLong(m.group(1)) > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "holds "
                + name
                + ": name each writer schema <schema id>.avsc, the id the producers' Schema"
                + " Registry gave it (e.g. 100042.avsc)");
      }
      try {
        schemas.put(
            Integer.parseInt(m.group(1)),
            SchemaFiles.avroRecord(SchemaFiles.read(file.toString())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("holds " + name + ", which " + e.getMessage(), e);
      }
    }
    return schemas;
  }

  /** The writer schema of {@code id}, looked up in the directory once if it was not there. */
  Lookup schema(int id) {
    return byId.computeIfAbsent(id, this::lookUp);
  }

  private Lookup lookUp(int id) {
    String file = SchemaFiles.inDirectory(directory, id + ".avsc");
    try {
      return new Lookup(SchemaFiles.avroRecord(SchemaFiles.read(file)), null);
    } catch (FileNotFoundException e) {
      return new Lookup(null, "no " + id + ".avsc");
    } catch (IllegalArgumentException e) {
      return new Lookup(null, id + ".avsc " + e.getMessage());
    } catch (IOException e) {
      // Not the record's fault: fail the bundle, to be retried.
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
