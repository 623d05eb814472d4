package dev.freshet.model.registry;

import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.registry.ManifestJson.Pointer;
import dev.freshet.model.registry.ModelRejectedException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Versioned, immutable model artifacts on any Beam {@link FileSystems} path (local directory,
 * {@code gs://bucket/prefix}; register the file systems with {@code
 * FileSystems.setDefaultPipelineOptions} first for non-local schemes).
 *
 * <p>Layout under the root:
 *
 * <pre>
 * versions/&lt;id&gt;/model.params          DJL parameters (written once); an imported network's
 *                                        file instead: model.pt (TorchScript) or model.onnx
 * versions/&lt;id&gt;/manifest.json         immutable manifest incl. the parameters' SHA-256
 * versions/&lt;id&gt;/status/&lt;time&gt;-&lt;uuid&gt;.json  append-only status log (one file per event)
 * PRODUCTION                             pointer: {version, previous[], updatedAt}
 * history/&lt;time&gt;-&lt;uuid&gt;.json          append-only log of pointer changes (audit)
 * tmp/                                   temporary files of atomic pointer writes
 * </pre>
 *
 * <p>Status is never written into the manifest, so the manifest and its checksum stay as
 * registered. A version's status is PRODUCTION if the pointer names it; otherwise the latest event
 * decides: REJECTED, RETIRED (it was production once) or, without events, CANDIDATE.
 *
 * <p>The pointer is replaced as a whole (unique temporary file, then rename), so concurrent writers
 * and readers always see a complete pointer naming one of the promoted versions. Writers do not
 * lock: with two concurrent promotions the last rename wins and the loser is missing from the
 * winner's rollback stack (both appear in {@code history/}). Instances are thread-safe (they hold
 * no mutable state).
 */
public final class ModelRegistry {
  static final String MANIFEST_FILE = "manifest.json";
  private static final int MAX_ROLLBACK_DEPTH = 20;
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private final ResourceId root;

  private ModelRegistry(ResourceId root) {
    this.root = root;
  }

  /** A registry rooted at {@code path} (created on first write). */
  public static ModelRegistry at(String path) {
    return new ModelRegistry(FileSystems.matchNewResource(path, true));
  }

  /** Stores a new immutable version and returns its id; its status is CANDIDATE. */
  public String register(Candidate candidate) throws IOException {
    BinaryClassifier model = candidate.model();
    byte[] parameters = model.parameterBytes();
    Instant now = Instant.now();
    String id = "v" + ID_TIME.format(now) + "-" + UUID.randomUUID().toString().substring(0, 8);
    ModelManifest manifest =
        new ModelManifest(
            ModelManifest.FORMAT_VERSION,
            id,
            now,
            model.networkName(),
            model.config(),
            model.layout(),
            model.normalization(),
            model.calibration(),
            candidate.parentVersion(),
            candidate.dataRange(),
            candidate.metrics(),
            model.networkFile(),
            sha256(parameters),
            parameters.length,
            candidate.driftReference(),
            model.external().orElse(null));
    // Parameters first: a manifest is only visible once its parameters exist.
    RegistryFiles.write(file(id, manifest.parametersFile()), parameters);
    RegistryFiles.write(file(id, MANIFEST_FILE), ManifestJson.write(manifest));
    return id;
  }

  /**
   * Whether anything was ever stored here: a version or a production pointer. A mistyped path reads
   * as an empty registry; commands that only read check this to say so.
   */
  public boolean exists() throws IOException {
    return pointer().isPresent()
        || !RegistryFiles.glob(dir("versions").toString() + "*/" + MANIFEST_FILE).isEmpty();
  }

  /** All versions, oldest registration first. */
  public List<ModelVersion> list() throws IOException {
    Optional<Pointer> pointer = pointer();
    List<ModelVersion> versions = new ArrayList<>();
    for (ResourceId manifestFile :
        RegistryFiles.glob(dir("versions").toString() + "*/" + MANIFEST_FILE)) {
      ModelManifest m = ManifestJson.readManifest(RegistryFiles.read(manifestFile));
      versions.add(withStatus(m, pointer));
    }
    versions.sort(
        Comparator.comparing((ModelVersion v) -> v.manifest().createdAt())
            .thenComparing(ModelVersion::id));
    return versions;
  }

  /** One version with its current status; {@link IllegalArgumentException} if unknown. */
  public ModelVersion describe(String id) throws IOException {
    return withStatus(manifest(id), pointer());
  }

  /** The version the production pointer names, if any. */
  public Optional<String> production() throws IOException {
    return pointer().map(Pointer::version);
  }

  /**
   * The production version followed by the earlier production versions a roll-back would return to,
   * newest first; empty when nothing was promoted. A server that cannot load the head can fall back
   * along this list instead of serving nothing.
   */
  public List<String> productionLineage() throws IOException {
    Optional<Pointer> p = pointer();
    if (p.isEmpty()) {
      return List.of();
    }
    List<String> lineage = new ArrayList<>();
    lineage.add(p.get().version());
    lineage.addAll(p.get().previous());
    return List.copyOf(lineage);
  }

  /**
   * The version online evaluation should pit against production: the newest CANDIDATE registered
   * after the production version (neither rejected nor ever in production). Empty without
   * production or without such a candidate.
   */
  public Optional<String> challenger() throws IOException {
    Optional<String> production = production();
    if (production.isEmpty()) {
      return Optional.empty();
    }
    List<ModelVersion> versions = list();
    Instant since =
        versions.stream()
            .filter(v -> v.id().equals(production.get()))
            .map(v -> v.manifest().createdAt())
            .findFirst()
            .orElse(Instant.MIN);
    String newest = null;
    for (ModelVersion v : versions) {
      if (v.status() == ModelStatus.CANDIDATE && v.manifest().createdAt().isAfter(since)) {
        newest = v.id();
      }
    }
    return Optional.ofNullable(newest);
  }

  /**
   * Points production at {@code id}, after checking that its parameters match their checksum and
   * that it is not rejected. The previous production version becomes RETIRED.
   */
  public void promote(String id) throws IOException {
    promote(id, "promoted");
  }

  /**
   * As {@link #promote(String)}, recording {@code reason} (the evidence it was promoted on) in the
   * version's status history.
   */
  public void promote(String id, String reason) throws IOException {
    ModelManifest manifest = manifest(id);
    if (status(id).filter(e -> e.status() == ModelStatus.REJECTED).isPresent()) {
      throw new IllegalStateException("version " + id + " was rejected and cannot be promoted");
    }
    String actual = sha256(RegistryFiles.read(file(id, manifest.parametersFile())));
    if (!actual.equals(manifest.parametersSha256())) {
      throw new IllegalStateException(
          "version " + id + " has corrupt parameters (checksum mismatch); not promoted");
    }
    Optional<Pointer> current = pointer();
    if (current.isPresent() && current.get().version().equals(id)) {
      return;
    }
    List<String> previous = new ArrayList<>();
    current.ifPresent(
        p -> {
          previous.add(p.version());
          previous.addAll(p.previous());
        });
    Pointer next = new Pointer(id, trim(previous), Instant.now());
    writePointer(next, "PROMOTE");
    current.ifPresent(p -> appendStatus(p.version(), ModelStatus.RETIRED, "replaced by " + id));
    appendStatus(id, ModelStatus.PRODUCTION, reason);
  }

  /**
   * Points production back at the most recent earlier production version that is not rejected and
   * returns its id; the version rolled back from becomes RETIRED.
   */
  public String rollback() throws IOException {
    Pointer current =
        pointer()
            .orElseThrow(() -> new IllegalStateException("no production version to roll back"));
    List<String> stack = new ArrayList<>(current.previous());
    while (!stack.isEmpty()) {
      String candidate = stack.remove(0);
      boolean rejected =
          status(candidate).filter(e -> e.status() == ModelStatus.REJECTED).isPresent();
      if (!rejected && !candidate.equals(current.version())) {
        writePointer(new Pointer(candidate, List.copyOf(stack), Instant.now()), "ROLLBACK");
        appendStatus(current.version(), ModelStatus.RETIRED, "rolled back to " + candidate);
        appendStatus(candidate, ModelStatus.PRODUCTION, "restored by rollback");
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no earlier production version to roll back to from " + current.version());
  }

  /** Marks {@code id} REJECTED; the production version must be rolled back first. */
  public void reject(String id, String reason) throws IOException {
    manifest(id);
    if (production().filter(id::equals).isPresent()) {
      throw new IllegalStateException(
          "version " + id + " is in production: roll back or promote another version first");
    }
    appendStatus(id, ModelStatus.REJECTED, reason);
  }

  /**
   * Loads and verifies a version. Refuses (with {@link ModelRejectedException}) a version that is
   * unknown, whose feature fingerprint is not {@code expectedFingerprint}, whose parameters do not
   * match the manifest's SHA-256, or that cannot be read. Nothing the caller already holds is
   * touched, so on refusal it keeps its previous model.
   */
  public LoadedModel load(String id, String expectedFingerprint) throws ModelRejectedException {
    ModelManifest manifest;
    byte[] parameters;
    try {
      if (!RegistryFiles.exists(file(id, MANIFEST_FILE))) {
        throw new ModelRejectedException(
            id, Reason.NOT_FOUND, "no manifest under " + dir("versions"), null);
      }
      manifest = ManifestJson.readManifest(RegistryFiles.read(file(id, MANIFEST_FILE)));
      if (!manifest.featureFingerprint().equals(expectedFingerprint)) {
        throw new ModelRejectedException(
            id,
            Reason.FINGERPRINT_MISMATCH,
            "it was trained on feature spec '"
                + manifest.featureFingerprint()
                + "' but the caller computes features with spec '"
                + expectedFingerprint
                + "'. Serve with the matching feature spec or train a version on the current spec.",
            null);
      }
      parameters = RegistryFiles.read(file(id, manifest.parametersFile()));
    } catch (IOException e) {
      throw new ModelRejectedException(id, Reason.UNREADABLE, e.toString(), e);
    }
    String actual = sha256(parameters);
    if (!actual.equals(manifest.parametersSha256())) {
      throw new ModelRejectedException(
          id,
          Reason.CHECKSUM_MISMATCH,
          "parameters file has SHA-256 "
              + actual
              + " but the manifest records "
              + manifest.parametersSha256()
              + ". The file is corrupt or was modified: reject this version and promote or"
              + " register another.",
          null);
    }
    try {
      return new LoadedModel(
          manifest,
          BinaryClassifier.load(
              manifest.layout(),
              manifest.config(),
              manifest.normalization(),
              manifest.calibration(),
              manifest.external(),
              parameters));
    } catch (RuntimeException e) {
      throw new ModelRejectedException(id, Reason.UNREADABLE, e.getMessage(), e);
    }
  }

  /** Loads the production version; see {@link #load}. */
  public LoadedModel loadProduction(String expectedFingerprint)
      throws ModelRejectedException, IOException {
    String id = production().orElseThrow(() -> new IllegalStateException("no production version"));
    return load(id, expectedFingerprint);
  }

  private ModelVersion withStatus(ModelManifest m, Optional<Pointer> pointer) throws IOException {
    List<StatusEvent> events = events(m.versionId());
    ModelStatus status;
    if (pointer.isPresent() && pointer.get().version().equals(m.versionId())) {
      status = ModelStatus.PRODUCTION;
    } else if (events.isEmpty()) {
      status = ModelStatus.CANDIDATE;
    } else {
      ModelStatus last = events.get(events.size() - 1).status();
      status = last == ModelStatus.REJECTED ? ModelStatus.REJECTED : ModelStatus.RETIRED;
    }
    return new ModelVersion(m, status, events);
  }

  private ModelManifest manifest(String id) throws IOException {
    ResourceId f = file(id, MANIFEST_FILE);
    if (!RegistryFiles.exists(f)) {
      throw new IllegalArgumentException("unknown model version " + id);
    }
    return ManifestJson.readManifest(RegistryFiles.read(f));
  }

  private Optional<StatusEvent> status(String id) throws IOException {
    List<StatusEvent> events = events(id);
    return events.isEmpty() ? Optional.empty() : Optional.of(events.get(events.size() - 1));
  }

  private List<StatusEvent> events(String id) throws IOException {
    List<StatusEvent> events = new ArrayList<>();
    for (ResourceId f : RegistryFiles.glob(versionDir(id).toString() + "status/*.json")) {
      events.add(ManifestJson.readStatus(RegistryFiles.read(f)));
    }
    return events;
  }

  private void appendStatus(String id, ModelStatus status, String reason) {
    try {
      RegistryFiles.write(
          versionDir(id)
              .resolve("status", StandardResolveOptions.RESOLVE_DIRECTORY)
              .resolve(eventName(), StandardResolveOptions.RESOLVE_FILE),
          ManifestJson.write(new StatusEvent(status, reason, Instant.now())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Optional<Pointer> pointer() throws IOException {
    ResourceId f = pointerFile();
    if (!RegistryFiles.exists(f)) {
      return Optional.empty();
    }
    return Optional.of(ManifestJson.readPointer(RegistryFiles.read(f)));
  }

  private void writePointer(Pointer pointer, String action) throws IOException {
    RegistryFiles.replaceAtomically(dir("tmp"), pointerFile(), ManifestJson.write(pointer));
    RegistryFiles.write(
        dir("history").resolve(eventName(), StandardResolveOptions.RESOLVE_FILE),
        ManifestJson.bytes(
            ManifestJson.MAPPER
                .createObjectNode()
                .put("action", action)
                .put("version", pointer.version())
                .put("at", pointer.updatedAt().toString())));
  }

  private static List<String> trim(List<String> previous) {
    return List.copyOf(previous.subList(0, Math.min(previous.size(), MAX_ROLLBACK_DEPTH)));
  }

  /** Sortable by time: zero-padded epoch microseconds, then a random suffix. */
  private static String eventName() {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    return String.format("%020d-%s.json", micros, UUID.randomUUID());
  }

  private ResourceId pointerFile() {
    return root.resolve("PRODUCTION", StandardResolveOptions.RESOLVE_FILE);
  }

  private ResourceId dir(String name) {
    return root.resolve(name, StandardResolveOptions.RESOLVE_DIRECTORY);
  }

  private ResourceId versionDir(String id) {
    if (!id.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("invalid version id '" + id + "'");
    }
    return dir("versions").resolve(id, StandardResolveOptions.RESOLVE_DIRECTORY);
  }

  private ResourceId file(String id, String name) {
    return versionDir(id).resolve(name, StandardResolveOptions.RESOLVE_FILE);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
