package dev.freshet.pipelines.cli.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path of this JVM split in two: what a Flink distribution's processes carry (Flink, its
 * libraries, the Prometheus reporter, logging, and DJL with its native engines, as a cluster that
 * scores with DJL has them in {@code lib/}) and what a job brings with it (Freshet, Beam, the Kafka
 * client), which the cluster's JobManager and TaskManagers do not get. A job submitted to the local
 * cluster therefore loads its code from the jars it staged, through Flink's user-code class loader,
 * as on a real cluster.
 *
 * <p>DJL stays with the cluster because a native library loads into one class loader per JVM: a
 * second job, or the same job restarted after a failure, in a new user-code class loader could not
 * load libtorch again. The cluster loads {@code ai.djl.} and {@code ai.onnxruntime.} parent-first
 * ({@link FlinkSetup}).
 */
public final class ClusterClasspath {
  /**
   * Path fragments of the entries a job brings (Maven repository layout, or a module's classes).
   */
  private static final List<String> JOB_ENTRIES =
      List.of("/dev/freshet/", "/org/apache/beam/", "/org/apache/kafka/");

  private ClusterClasspath() {}

  /**
   * Every entry of this JVM's class path; a manifest-only jar (how Maven's test plugins pass a long
   * class path) stands for the entries of its {@code Class-Path}.
   */
  public static List<String> all() {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!e.isBlank()) {
        entries.addAll(manifestClassPath(e).orElse(List.of(e)));
      }
    }
    return entries;
  }

  /** The entries of a jar's manifest {@code Class-Path} when it has nothing else; else empty. */
  private static Optional<List<String>> manifestClassPath(String entry) {
    if (!entry.endsWith(".jar") || !new File(entry).isFile()) {
      return Optional.empty();
    }
    try (JarFile jar = new JarFile(entry)) {
      Manifest manifest = jar.getManifest();
      String classPath =
          manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
      boolean onlyManifest =
          jar.stream().allMatch(j -> j.getName().startsWith("META-INF/") || j.isDirectory());
      if (classPath == null || !onlyManifest) {
        return Optional.empty();
      }
      URI base = new File(entry).toURI();
      List<String> entries = new ArrayList<>();
      for (String ref : classPath.trim().split("\\s+")) {
        entries.add(new File(base.resolve(ref)).getPath());
      }
      return Optional.of(entries);
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The Flink processes' class path: this JVM's without the job's entries. */
  public static String flink() {
    return String.join(File.pathSeparator, all().stream().filter(e -> !isJob(e)).toList());
  }

  /** The Kafka brokers' class path: this JVM's (the broker is Kafka's own {@code kafka.Kafka}). */
  public static String kafka() {
    return String.join(File.pathSeparator, all());
  }

  /**
   * What a job submitted from this JVM stages ({@code --filesToStage}): the entries the cluster's
   * processes lack. Directories (a module's {@code target/classes}) are zipped by Beam.
   */
  public static List<String> jobFiles() {
    return all().stream().filter(ClusterClasspath::isJob).toList();
  }

  static boolean isJob(String entry) {
    String path = entry.replace(File.separatorChar, '/');
    File file = new File(entry);
    // A module's classes, or its jar in a reactor build, are Freshet's.
    return file.isDirectory()
        || file.getName().startsWith("freshet-")
        || JOB_ENTRIES.stream().anyMatch(path::contains);
  }
}
