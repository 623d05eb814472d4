package dev.freshet.pipelines.encodings;

/** Exceptions of decoding libraries in a dead letter's words. */
final class Failures {
  private Failures() {}

  /** The exception's type and message, e.g. {@code EOFException} or {@code IOException: ...}. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName()
        + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
