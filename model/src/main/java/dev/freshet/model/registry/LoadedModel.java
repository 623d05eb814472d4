package dev.freshet.model.registry;

import dev.freshet.model.BinaryClassifier;

/** A verified version ready to score; closing it frees the classifier's native memory. */
public record LoadedModel(ModelManifest manifest, BinaryClassifier classifier)
    implements AutoCloseable {
  public String versionId() {
    return manifest.versionId();
  }

  @Override
  public void close() {
    classifier.close();
  }
}
