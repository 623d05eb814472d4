package dev.freshet.pipelines.bench.serve;

import java.util.List;

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

  /** Serve's options naming these topics, and a consumer group of the run's own. */
  List<String> serveOptions() {
    return List.of(
        "--eventsTopic=" + events,
        "--outcomesTopic=" + outcomes,
        "--predictionsTopic=" + predictions,
        "--deadLettersTopic=" + dead,
        "--modelEventsTopic=" + models,
        "--consumerGroup=" + prefix + "serve");
  }
}
