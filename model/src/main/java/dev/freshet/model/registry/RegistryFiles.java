package dev.freshet.model.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/** Byte-level I/O on Beam {@link FileSystems}, so the registry works on local paths and gs://. */
final class RegistryFiles {
  private RegistryFiles() {}

  static byte[] read(ResourceId file) throws IOException {
    try (ReadableByteChannel channel = FileSystems.open(file);
        InputStream in = Channels.newInputStream(channel)) {
      return in.readAllBytes();
    }
  }

  static void write(ResourceId file, byte[] bytes) throws IOException {
    try (WritableByteChannel channel = FileSystems.create(file, MimeTypes.BINARY)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
  }

  /**
   * Replaces {@code target} as a whole: write a uniquely named temporary file, then rename it over
   * the target (an atomic move locally; an object copy on object stores). Readers see the old or
   * the new content, never a partial one, and concurrent writers never share a temporary file.
   */
  static void replaceAtomically(ResourceId tmpDir, ResourceId target, byte[] bytes)
      throws IOException {
    ResourceId tmp =
        tmpDir.resolve(
            target.getFilename() + "." + UUID.randomUUID() + ".tmp",
            org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    write(tmp, bytes);
    FileSystems.rename(List.of(tmp), List.of(target));
  }

  static boolean exists(ResourceId file) throws IOException {
    MatchResult result = FileSystems.match(file.toString(), EmptyMatchTreatment.ALLOW);
    return result.status() == MatchResult.Status.OK && !result.metadata().isEmpty();
  }

  /** Files matching a glob, sorted by name; empty when none. */
  static List<ResourceId> glob(String spec) throws IOException {
    MatchResult result = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
    List<ResourceId> files = new ArrayList<>();
    if (result.status() == MatchResult.Status.NOT_FOUND) {
      return files;
    }
    for (MatchResult.Metadata m : result.metadata()) {
      files.add(m.resourceId());
    }
    files.sort((a, b) -> a.toString().compareTo(b.toString()));
    return files;
  }
}
