package dev.freshet.model.registry;

/**
 * Lifecycle of a registered version. {@code PRODUCTION} is whatever the production pointer names; a
 * version that was production and no longer is becomes {@code RETIRED}.
 */
public enum ModelStatus {
  CANDIDATE,
  PRODUCTION,
  RETIRED,
  REJECTED
}
