package dev.freshet.model.registry;

import java.util.List;

/** A registered version as seen now: its manifest, derived status and status log (oldest first). */
public record ModelVersion(ModelManifest manifest, ModelStatus status, List<StatusEvent> history) {
  public String id() {
    return manifest.versionId();
  }
}
