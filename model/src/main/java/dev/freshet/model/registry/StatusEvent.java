package dev.freshet.model.registry;

import java.time.Instant;

/** One entry of a version's append-only status log. */
public record StatusEvent(ModelStatus status, String reason, Instant at) {}
