package dev.freshet.pipelines.cli.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real headless Chromium driven through its chromedriver with the W3C WebDriver protocol (plain
 * HTTP and JSON: a handful of calls, no client library). The binaries are Debian's {@code chromium}
 * and {@code chromium-driver} unless the system properties {@code freshet.chromium} and {@code
 * freshet.chromedriver} name others.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process driver;

  /** The session's address, {@code .../session/<id>} (its commands are below it). */
  private final URI session;

  private final HttpClient http = HttpClient.newHttpClient();

  private HeadlessChromium(Process driver, URI session) {
    this.driver = driver;
    this.session = session;
  }

  /** Starts chromedriver on a free port and a headless browser session with that window size. */
  public static HeadlessChromium start(int width, int height)
      throws IOException, InterruptedException {
    String chromium = binary("freshet.chromium", "/usr/bin/chromium");
    String chromedriver = binary("freshet.chromedriver", "/usr/bin/chromedriver");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process driver =
        new ProcessBuilder(chromedriver, "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    URI base = URI.create("http://127.0.0.1:" + port + "/");
    HttpClient http = HttpClient.newHttpClient();
    try {
      Awaitility.await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !driver.isAlive() || ready(http, base));
    } catch (ConditionTimeoutException e) {
      // Reported below.
    }
    if (!driver.isAlive() || !ready(http, base)) {
      driver.destroyForcibly();
      throw new IllegalStateException(chromedriver + " did not answer on port " + port);
    }
    Map<String, Object> capabilities =
        Map.of(
            "capabilities",
            Map.of(
                "alwaysMatch",
                Map.of(
                    "browserName",
                    "chrome",
                    "goog:chromeOptions",
                    Map.of(
                        "binary",
                        chromium,
                        "args",
                        List.of(
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--window-size=" + width + "," + height)))));
    try {
      JsonNode created = call(http, "POST", base.resolve("session"), capabilities);
      String id = created.at("/value/sessionId").asText();
      return new HeadlessChromium(driver, base.resolve("session/" + id));
    } catch (IOException | RuntimeException e) {
      driver.destroyForcibly();
      throw e;
    }
  }

  /** Opens {@code url} (returns when the page has loaded). */
  public void open(URI url) throws IOException, InterruptedException {
    call(http, "POST", command("url"), Map.of("url", url.toString()));
  }

  /** Runs {@code script} (a function body: {@code return ...}) in the page; returns its value. */
  public JsonNode eval(String script) throws IOException, InterruptedException {
    return call(http, "POST", command("execute/sync"), Map.of("script", script, "args", List.of()))
        .get("value");
  }

  /** The window as a PNG. */
  public byte[] screenshot() throws IOException, InterruptedException {
    return Base64.getDecoder()
        .decode(call(http, "GET", command("screenshot"), null).get("value").asText());
  }

  /** Ends the browser session and stops chromedriver (an interrupt is kept, not thrown). */
  @Override
  public void close() throws IOException {
    try {
      call(http, "DELETE", session, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      driver.destroy();
      try {
        driver.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private URI command(String path) {
    return URI.create(session + "/" + path);
  }

  private static String binary(String property, String fallback) {
    String path = System.getProperty(property, fallback);
    if (!new File(path).canExecute()) {
      throw new IllegalStateException(
          "no "
              + path
              + ": install Debian's chromium and chromium-driver (apt-get install -y chromium"
              + " chromium-driver) or name the binary with -D"
              + property
              + "=...");
    }
    return path;
  }

  private static boolean ready(HttpClient http, URI base) throws InterruptedException {
    try {
      return call(http, "GET", base.resolve("status"), null).at("/value/ready").asBoolean();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static JsonNode call(HttpClient http, String method, URI uri, Object body)
      throws IOException, InterruptedException {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .method(method, publisher)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(120))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          method + " " + uri + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
