package dev.freshet.pipelines.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * For tests: a Flink conf dir that turns on the Prometheus reporter on a free port, and reading the
 * reporter's endpoint: the text exposition format, each metric's series summed over their labels
 * (subtasks, operators), keyed by the metric's name.
 */
public final class PrometheusScrape {
  /** Where Flink's reporter puts the metrics of an operator (a Beam step). */
  public static final String OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_freshet_";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusScrape() {}

  /** A free local port (free when asked; the reporter binds it a moment later). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code dir/flink-conf.yaml} with the reporter lines of docs/metrics.md on {@code port}.
   */
  public static Path confDir(Path dir, int port) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("flink-conf.yaml"),
        "metrics.reporter.prom.factory.class:"
            + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n"
            + "metrics.reporter.prom.port: "
            + port
            + "\n");
    return dir;
  }

  /** The endpoint's page as text; empty when nothing answers (yet). */
  public static String page(int port) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Every metric on {@code page}, its series' values summed. */
  public static Map<String, Double> sums(String page) {
    Map<String, Double> sums = new TreeMap<>();
    for (String line : page.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, brace >= 0 ? brace : line.indexOf(' '));
      sums.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
    }
    return sums;
  }

  /** The Freshet metrics of {@code port}'s page, keyed by their Beam name (prefix removed). */
  public static Map<String, Double> freshet(int port) {
    Map<String, Double> freshet = new TreeMap<>();
    sums(page(port))
        .forEach(
            (name, value) -> {
              if (name.startsWith(OPERATOR_PREFIX)) {
                freshet.put(name.substring(OPERATOR_PREFIX.length()), value);
              }
            });
    return freshet;
  }

  /**
   * Freshet's metrics on {@code port}'s endpoint, read again until {@code done} holds or {@code
   * wait} has passed (the last read is returned either way, for the caller's assertions).
   */
  public static Map<String, Double> freshetUntil(
      int port, Predicate<Map<String, Double>> done, Duration wait) {
    AtomicReference<Map<String, Double>> last = new AtomicReference<>(Map.of());
    try {
      Awaitility.await()
          .atMost(wait)
          .pollInterval(Duration.ofMillis(200)) // as a Prometheus server would scrape again
          .until(
              () -> {
                last.set(freshet(port));
                return done.test(last.get());
              });
    } catch (ConditionTimeoutException e) {
      // The caller's assertions say what the last read lacked.
    }
    return last.get();
  }
}
