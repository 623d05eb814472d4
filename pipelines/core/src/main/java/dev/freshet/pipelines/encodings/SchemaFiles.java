package dev.freshet.pipelines.encodings;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/** Schema files on any Beam file system (local, {@code gs://}): read whole, parsed as Avro. */
final class SchemaFiles {
  private SchemaFiles() {}

  /** The bytes of the single file {@code path}; {@link FileNotFoundException} when absent. */
  static byte[] read(String path) throws IOException {
    ResourceId file = FileSystems.matchSingleFileSpec(path).resourceId();
    try (InputStream in = Channels.newInputStream(FileSystems.open(file))) {
      return in.readAllBytes();
    }
  }

  /** The file {@code name} in {@code directory}. */
  static String inDirectory(String directory, String name) {
    return FileSystems.matchNewResource(directory, true)
        .resolve(name, StandardResolveOptions.RESOLVE_FILE)
        .toString();
  }

  /** The files of {@code directory} whose names end with {@code suffix}, by full path. */
  static List<ResourceId> list(String directory, String suffix) throws IOException {
    MatchResult match = FileSystems.match(inDirectory(directory, "*" + suffix));
    List<ResourceId> files = new ArrayList<>();
    if (match.status() == MatchResult.Status.NOT_FOUND) {
      return files;
    }
    for (MatchResult.Metadata m : match.metadata()) {
      if (!m.resourceId().isDirectory()) {
        files.add(m.resourceId());
      }
    }
    return files;
  }

  /**
   * Parses an Avro record schema; {@link IllegalArgumentException} saying what is wrong (not JSON,
   * not a schema, not a record), without the file's name.
   */
  static Schema avroRecord(byte[] text) {
    Schema schema;
    try {
      schema = new Schema.Parser().parse(new String(text, java.nio.charset.StandardCharsets.UTF_8));
    } catch (AvroRuntimeException e) {
      throw new IllegalArgumentException("is not an Avro schema (" + e.getMessage() + ")", e);
    }
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "is an Avro " + schema.getType().getName() + " schema, not a record");
    }
    return schema;
  }
}
