package dev.freshet.pipelines.bench.serve;

/** The topics of one system's run. */
record Topics(
    String prefix, String events, String outcomes, String predictions, String dead, String models) {
  Topics(String prefix) {
    this(
        prefix,
        prefix + "events",
        prefix + "outcomes",
        prefix + "predictions",
        prefix + "dead-letters",
        prefix + "model-events");
  }

  String[] all() {
    return new String[] {events, outcomes, predictions, dead, models};
  }
}
