package dev.freshet.model.registry;

/**
 * The registry refused to load a version. Loading never changes anything the caller holds, so a
 * caller catching this keeps serving with its previous model.
 */
public final class ModelRejectedException extends Exception {

  /** Why the version was refused. */
  public enum Reason {
    NOT_FOUND,
    CHECKSUM_MISMATCH,
    FINGERPRINT_MISMATCH,
    UNREADABLE
  }

  private final String versionId;
  private final Reason reason;

  public ModelRejectedException(String versionId, Reason reason, String message, Throwable cause) {
    super("model version " + versionId + " rejected (" + reason + "): " + message, cause);
    this.versionId = versionId;
    this.reason = reason;
  }

  public String versionId() {
    return versionId;
  }

  public Reason reason() {
    return reason;
  }
}
