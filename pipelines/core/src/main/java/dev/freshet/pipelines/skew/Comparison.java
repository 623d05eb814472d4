package dev.freshet.pipelines.skew;

import dev.freshet.pipelines.skew.EventComparison.Status;

/**
 * The two comparisons of the skew check, with what each side is called and which verdicts count as
 * divergence.
 */
public enum Comparison {
  /**
   * The bounded path against the streaming path over the same log: every event must be featured by
   * both, so an event on one side only diverges as much as a differing vector.
   */
  STREAMING("bounded_vs_streaming", "bounded", "streaming"),
  /**
   * Vectors recomputed in batch against the vectors {@code serve} logged with its predictions. The
   * population is the logged predictions: a prediction whose event the log lacks, or one made with
   * another feature spec, diverges; a logged event without a prediction (predictions read only up
   * to {@code --maxRecords}, say) is reported but does not.
   */
  LOGGED("logged_vs_recomputed", "recomputed", "logged");

  private final String id;
  private final String left;
  private final String right;

  Comparison(String id, String left, String right) {
    this.id = id;
    this.left = left;
    this.right = right;
  }

  /** The name in the report. */
  public String id() {
    return id;
  }

  public String leftName() {
    return left;
  }

  public String rightName() {
    return right;
  }

  /** Whether an event with this verdict counts in the population the divergence is a share of. */
  public boolean inPopulation(Status status) {
    return this == STREAMING || status != Status.ONLY_LEFT;
  }

  /** Whether an event with this verdict counts as divergent. */
  public boolean divergent(Status status) {
    return status != Status.IDENTICAL && inPopulation(status);
  }

  /** The comparison named {@code id} in a report. */
  public static Comparison byId(String id) {
    for (Comparison c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new IllegalArgumentException("no comparison named " + id);
  }
}
