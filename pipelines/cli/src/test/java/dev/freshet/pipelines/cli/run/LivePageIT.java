package dev.freshet.pipelines.cli.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.pipelines.cli.page.HeadlessChromium;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The live page of {@code freshet run} in a real headless Chromium, during a real run with the loop
 * (the README's first command, the new fraud pattern at a fifth of the stream): the page loads, the
 * NE chart gets points as labels settle, and the promotion appears as a marker with its evidence. A
 * screenshot of the last look is left in {@code target/live-page-it.png}.
 */
public class LivePageIT {
  private static final Pattern URL = Pattern.compile("live page: (http://\\S+)");
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void thePageShowsNeGrowingAndThePromotionAsAMarkerDuringARun() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    AtomicInteger status = new AtomicInteger(-1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread run =
        new Thread(
            () -> {
              try {
                status.set(
                    LocalRunCommand.run(
                        new String[] {"--driftAt=0.2", "--http=0", "--workDir=" + tmp.getRoot()},
                        out));
              } catch (Throwable e) {
                failed.set(e);
              }
            },
            "freshet-run-under-test");
    run.start();
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    try {
      URI page = awaitUrl(buffer, run, deadline);
      try (HeadlessChromium browser = HeadlessChromium.start(1280, 1400)) {
        browser.open(page);
        JsonNode seen = awaitPage(browser, run, buffer, deadline, "updates", 1);
        assertThat(browser.eval("return document.title").asText()).contains("Freshet");
        assertThat(seen.get("error").isNull()).as("%s", seen).isTrue();

        seen = awaitPage(browser, run, buffer, deadline, "nePoints", 1);
        assertThat(
                browser.eval("return document.querySelectorAll('#ne-chart canvas').length").asInt())
            .isPositive();

        seen = awaitPage(browser, run, buffer, deadline, "promotions", 1);
        String evidence =
            browser
                .eval(
                    "return document.querySelector('#ne-chart .marker.promoted')"
                        + ".getAttribute('aria-label')")
                .asText();
        assertThat(evidence).contains("promoted over #1").contains("z ");
        Files.write(Path.of("target", "live-page-it.png"), browser.screenshot());
      }
      run.join(RUN_TIMEOUT.toMillis());
    } finally {
      if (run.isAlive()) {
        run.interrupt();
      }
    }
    String printed = buffer.toString(StandardCharsets.UTF_8);
    // Whether every record came back in time is LocalRunCommandTest's to judge, not the page's.
    assertThat(failed.get()).as(printed).isNull();
    assertThat(status.get()).as(printed).isNotNegative();
    assertThat(printed).contains("PROMOTED #");
  }

  private static boolean reached(JsonNode page, String count, int n) {
    return page != null && page.path(count).asInt() >= n;
  }

  /**
   * Polls {@code done} until it holds or the {@code System.nanoTime()} {@code deadline} passes; the
   * caller checks what it found.
   */
  private static void awaitUntil(long deadline, Duration poll, Callable<Boolean> done) {
    Duration left = Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    try {
      Awaitility.await().atMost(left).pollInterval(poll).until(done);
    } catch (ConditionTimeoutException e) {
      // The caller says what was missing.
    }
  }

  /** The page's address, once the run prints it. */
  private static URI awaitUrl(ByteArrayOutputStream buffer, Thread run, long deadline)
      throws InterruptedException {
    AtomicReference<URI> url = new AtomicReference<>();
    awaitUntil(
        deadline,
        Duration.ofMillis(200),
        () -> {
          Matcher m = URL.matcher(buffer.toString(StandardCharsets.UTF_8));
          if (m.find()) {
            url.set(URI.create(m.group(1)));
          }
          return url.get() != null || !run.isAlive();
        });
    if (url.get() != null) {
      return url.get();
    }
    throw new AssertionError(
        "the run printed no live page address:\n" + buffer.toString(StandardCharsets.UTF_8));
  }

  /** What the page has drawn ({@code window.freshetPage}), once {@code count} reaches {@code n}. */
  private static JsonNode awaitPage(
      HeadlessChromium browser,
      Thread run,
      ByteArrayOutputStream buffer,
      long deadline,
      String count,
      int n)
      throws Exception {
    AtomicReference<JsonNode> last = new AtomicReference<>();
    awaitUntil(
        deadline,
        Duration.ofMillis(500),
        () -> {
          last.set(browser.eval("return window.freshetPage"));
          return reached(last.get(), count, n) || !run.isAlive();
        });
    JsonNode seen = last.get();
    if (reached(seen, count, n)) {
      return seen;
    }
    String printed = buffer.toString(StandardCharsets.UTF_8);
    throw new AssertionError(
        "the page never had "
            + count
            + " >= "
            + n
            + " while the run lasted; it had "
            + seen
            + "; the run printed:\n"
            + printed.substring(Math.max(0, printed.length() - 6000)));
  }
}
