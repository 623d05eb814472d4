package dev.freshet.pipelines.cli.page;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The live page: a small web server (the JDK's {@code com.sun.net.httpserver}) that serves a page
 * of plain HTML, CSS and JavaScript with the vendored uPlot charting library (no CDN: the page
 * works offline) and, on {@code GET /api/state}, the {@link PageState} of the moment as JSON. The
 * page asks for the state every 2 seconds. Requests are answered one at a time, on one thread, so
 * the state's supplier needs no locking of its own.
 */
public final class LivePage implements AutoCloseable {
  /** Where the page's files are, on the class path. */
  private static final String RESOURCES = "/dev/freshet/pipelines/cli/page/";

  private static final Map<String, String> FILES =
      Map.of(
          "/", "index.html",
          "/index.html", "index.html",
          "/page.js", "page.js",
          "/page.css", "page.css",
          "/uplot/uPlot.iife.min.js", "uplot/uPlot.iife.min.js",
          "/uplot/uPlot.min.css", "uplot/uPlot.min.css",
          "/uplot/LICENSE", "uplot/LICENSE");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8");

  private final HttpServer server;
  private final ExecutorService executor;

  private LivePage(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving on {@code address}:{@code port} ({@code port} 0: a free port) the page and
   * {@code state}, serialized with {@link PageJson}.
   */
  public static LivePage start(String address, int port, Supplier<PageState> state)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 0);
    server.createContext("/", LivePage::file);
    server.createContext(
        "/api/state",
        exchange -> {
          String json;
          int code = 200;
          try {
            json = PageJson.of(state.get());
          } catch (RuntimeException e) {
            // The page shows the error rather than a stale state.
            json = PageJson.error(e.toString());
            code = 500;
          }
          respond(
              exchange,
              code,
              "application/json; charset=utf-8",
              json.getBytes(StandardCharsets.UTF_8));
        });
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "freshet-live-page");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.start();
    return new LivePage(server, executor);
  }

  /** The page's address, e.g. {@code http://127.0.0.1:8321/}. */
  public URI url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
  }

  private static void file(HttpExchange exchange) throws IOException {
    String name = FILES.get(exchange.getRequestURI().getPath());
    if (name == null || !"GET".equals(exchange.getRequestMethod())) {
      respond(
          exchange, 404, "text/plain; charset=utf-8", "not found".getBytes(StandardCharsets.UTF_8));
      return;
    }
    byte[] body;
    try (InputStream in = LivePage.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("missing from the class path: " + RESOURCES + name);
      }
      body = in.readAllBytes();
    }
    String ext = name.substring(name.lastIndexOf('.') + 1);
    respond(exchange, 200, TYPES.getOrDefault(ext, "text/plain; charset=utf-8"), body);
  }

  private static void respond(HttpExchange exchange, int code, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * Stops serving at once (the page is read-only, nothing to finish) and waits, at most 10 s, for a
   * request in flight: what the state's supplier uses can then be closed.
   */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
