package dev.freshet.model.external;

/** What an imported network returns for each row. */
public enum OutputKind {
  /** One logit per row; the probability is {@code sigmoid(logit)}. */
  LOGIT,
  /** One probability in {@code [0, 1]} per row (the network ends with its own sigmoid). */
  PROBABILITY
}
