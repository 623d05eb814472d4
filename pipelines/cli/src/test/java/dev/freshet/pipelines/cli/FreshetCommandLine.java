package dev.freshet.pipelines.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Runs one {@code freshet} command line in this JVM as {@code main} would (same entry point, same
 * error handling), capturing what it prints: for tests of commands that print to {@code
 * System.out}.
 */
public final class FreshetCommandLine {
  private FreshetCommandLine() {}

  /** Exit status, standard output and the error stream of one command line. */
  public record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "exit " + status + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  /** Runs {@code args} through {@link Freshet#execute}; restores {@code System.out} after. */
  public static synchronized Result execute(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Freshet.execute(new PrintWriter(err, true), args);
    } finally {
      System.setOut(stdout);
    }
    return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString());
  }
}
