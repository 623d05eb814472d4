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
 * The class path of this JVM split in two: what a Flink 1.19 distribution's {@code lib/} holds
 * (Flink and the libraries it depends on, the Prometheus reporter, an SLF4J binding) plus DJL with
 * its native engines, which a cluster that scores with DJL keeps in {@code lib/} too; and the rest
 * (Freshet, Beam, the Kafka client, Jackson, ...), which only jobs bring. The cluster's JobManager
 * and TaskManagers get the first part, so a job submitted to the local cluster loads its code from
 * the jars it staged, through Flink's child-first user-code class loader, as on a real cluster: a
 * library on the cluster's class path that a Flink distribution lacks would be found there by
 * {@code ServiceLoader} beside the job's copy (Jackson's Scala module did: "not a subtype").
 *
 * <p>DJL stays with the cluster because a native library loads into one class loader per JVM: a
 * second job, or the same job restarted after a failure, in a new user-code class loader could not
 * load libtorch again. The cluster loads {@code ai.djl.} and {@code ai.onnxruntime.} parent-first
 * ({@link FlinkSetup}).
 */
public final class ClusterClasspath {
  /**
   * Path fragments (Maven repository layout) of what the cluster's processes carry: Flink 1.19's
   * {@code lib/} (flink-dist's dependencies) and DJL's.
   */
  private static final List<String> CLUSTER_ENTRIES =
      List.of(
          "/org/apache/flink/",
          "/org/apache/commons/",
          "/commons-cli/",
          "/commons-io/",
          "/commons-collections/",
          "/com/esotericsoftware/",
          "/com/twitter/chill",
          "/org/objenesis/",
          "/org/javassist/",
          "/org/xerial/snappy/",
          "/org/lz4/",
          "/org/snakeyaml/",
          "/com/google/code/findbugs/",
          "/tools/profiler/",
          "/io/prometheus/",
          "/org/slf4j/slf4j-api/",
          "/org/slf4j/slf4j-simple/",
          "/ai/djl/",
          "/net/java/dev/jna/",
          "/com/google/code/gson/",
          "/com/microsoft/onnxruntime/");

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

  /** The Flink processes' class path: the entries of this JVM's a Flink distribution carries. */
  public static String flink() {
    return String.join(File.pathSeparator, all().stream().filter(e -> !isJob(e)).toList());
  }

  /** The Kafka brokers' class path: this JVM's (the broker is Kafka's own {@code kafka.Kafka}). */
  public static String kafka() {
    return String.join(File.pathSeparator, all());
  }

  /**
   * What a job submitted from this JVM stages ({@code --filesToStage}): every entry the cluster's
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
        || CLUSTER_ENTRIES.stream().noneMatch(path::contains);
  }
}
