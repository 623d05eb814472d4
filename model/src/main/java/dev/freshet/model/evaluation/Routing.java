package dev.freshet.model.evaluation;

/**
 * How serve splits traffic between the production version and a challenger (the newest candidate
 * that passed the offline gate) for the online gate (DESIGN contract 5).
 */
public enum Routing {
  /** Production scores and decides every event; no challenger. */
  PRODUCTION,
  /** Both score every event; production decides. Paired, risk-free evidence. */
  SHADOW,
  /** The challenger decides for {@code --challengerShare} of entities (sticky by entity hash). */
  AB,
  /** As {@link #AB}, for a small share (default 5%) of entities. */
  CANARY,
  /**
   * Thompson sampling: per event, a draw from each arm's Beta posterior of its reward (the
   * probability it gave the true label), and the higher draw decides.
   */
  BANDIT
}
