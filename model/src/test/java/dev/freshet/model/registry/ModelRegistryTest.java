package dev.freshet.model.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.model.BinaryClassifier;
import dev.freshet.model.CalibrationMethod;
import dev.freshet.model.ModelConfig;
import dev.freshet.model.SyntheticData;
import dev.freshet.model.prediction.Scorer;
import dev.freshet.model.training.ClassifierTrainer;
import dev.freshet.transforms.drift.DriftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ModelRegistryTest {
  private static final DataRange RANGE =
      new DataRange(
          Instant.parse("2001-01-01T00:00:00Z"), Instant.parse("2001-01-02T00:00:00Z"), 600);
  private static BinaryClassifier model;
  private static SyntheticData data;

  @Rule public TemporaryFolder tmp = new TemporaryFolder();
  private ModelRegistry registry;

  @BeforeClass
  public static void trainOnce() {
    data = SyntheticData.generate(600, 1);
    model =
        ClassifierTrainer.of(
                ModelConfig.builder()
                    .hiddenLayers(8)
                    .epochs(1)
                    .batchSize(64)
                    .calibration(CalibrationMethod.PLATT)
                    .build())
            .train(SyntheticData.LAYOUT, data.features, data.labels);
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  @Before
  public void createRegistry() {
    registry = ModelRegistry.at(tmp.getRoot().getAbsolutePath());
  }

  private String register() throws Exception {
    return registry.register(Candidate.of(model, RANGE));
  }

  @Test
  public void registerDescribeAndList() throws Exception {
    String parent = register();
    String child =
        registry.register(
            Candidate.of(model, RANGE).withParent(parent).withMetrics(Map.of("auc", 0.93)));

    ModelVersion v = registry.describe(child);
    assertThat(v.status()).isEqualTo(ModelStatus.CANDIDATE);
    ModelManifest m = v.manifest();
    assertThat(m.versionId()).isEqualTo(child);
    assertThat(m.parentVersion()).isEqualTo(parent);
    assertThat(m.network()).isEqualTo(ModelConfig.NETWORK_NAME);
    assertThat(m.config()).isEqualTo(model.config());
    assertThat(m.layout()).isEqualTo(SyntheticData.LAYOUT);
    assertThat(m.featureFingerprint()).isEqualTo("spec-v1");
    assertThat(m.normalization()).isEqualTo(model.normalization());
    assertThat(m.calibration()).isEqualTo(model.calibration());
    assertThat(m.dataRange()).isEqualTo(RANGE);
    assertThat(m.metrics()).containsEntry("auc", 0.93);
    assertThat(m.parametersSha256()).hasSize(64);
    assertThat(registry.list()).extracting(ModelVersion::id).containsExactly(parent, child);
    assertThat(registry.describe(parent).manifest().parentVersion()).isNull();
    assertThatThrownBy(() -> registry.describe("v-nope")).hasMessageContaining("unknown");
  }

  @Test
  public void loadRoundTripGivesIdenticalPredictions() throws Exception {
    String id = register();
    try (LoadedModel loaded = registry.load(id, "spec-v1");
        Scorer original = model.newScorer();
        Scorer restored = loaded.classifier().newScorer()) {
      assertThat(loaded.versionId()).isEqualTo(id);
      assertThat(restored.score(data.features)).containsExactly(original.score(data.features));
    }
  }

  @Test
  public void refusesParametersWithOneFlippedByte() throws Exception {
    String id = register();
    Path params = tmp.getRoot().toPath().resolve("versions").resolve(id).resolve("model.params");
    byte[] bytes = Files.readAllBytes(params);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(params, bytes);

    assertThatThrownBy(() -> registry.load(id, "spec-v1"))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageContaining("SHA-256")
        .satisfies(
            e ->
                assertThat(((ModelRejectedException) e).reason())
                    .isEqualTo(ModelRejectedException.Reason.CHECKSUM_MISMATCH));
    assertThatThrownBy(() -> registry.promote(id)).hasMessageContaining("checksum");
    assertThat(registry.production()).isEmpty();
  }

  @Test
  public void refusesMismatchedFeatureFingerprint() throws Exception {
    String id = register();
    assertThatThrownBy(() -> registry.load(id, "spec-v2"))
        .isInstanceOf(ModelRejectedException.class)
        .hasMessageContaining("'spec-v1'")
        .hasMessageContaining("'spec-v2'")
        .satisfies(
            e ->
                assertThat(((ModelRejectedException) e).reason())
                    .isEqualTo(ModelRejectedException.Reason.FINGERPRINT_MISMATCH));
    assertThatThrownBy(() -> registry.load("v-missing", "spec-v1"))
        .isInstanceOf(ModelRejectedException.class)
        .satisfies(
            e ->
                assertThat(((ModelRejectedException) e).reason())
                    .isEqualTo(ModelRejectedException.Reason.NOT_FOUND));
  }

  @Test
  public void promoteAndRollbackWithoutTouchingTheManifest() throws Exception {
    String a = register();
    String b = register();
    Path manifestB = tmp.getRoot().toPath().resolve("versions").resolve(b).resolve("manifest.json");
    byte[] before = Files.readAllBytes(manifestB);

    assertThat(registry.productionLineage()).isEmpty();
    registry.promote(a);
    registry.promote(b);
    assertThat(registry.production()).contains(b);
    assertThat(registry.productionLineage()).containsExactly(b, a);
    assertThat(registry.describe(a).status()).isEqualTo(ModelStatus.RETIRED);
    assertThat(registry.describe(b).status()).isEqualTo(ModelStatus.PRODUCTION);

    assertThat(registry.rollback()).isEqualTo(a);
    assertThat(registry.production()).contains(a);
    assertThat(registry.describe(b).status()).isEqualTo(ModelStatus.RETIRED);
    assertThat(registry.describe(a).status()).isEqualTo(ModelStatus.PRODUCTION);
    assertThatThrownBy(registry::rollback).isInstanceOf(IllegalStateException.class);

    assertThat(Files.readAllBytes(manifestB)).isEqualTo(before);
    try (LoadedModel loaded = registry.loadProduction("spec-v1")) {
      assertThat(loaded.versionId()).isEqualTo(a);
    }
  }

  @Test
  public void theChallengerIsTheNewestCandidateRegisteredAfterProduction() throws Exception {
    String older = register();
    assertThat(registry.challenger()).as("no production yet").isEmpty();
    String production = register();
    registry.promote(production);
    assertThat(registry.challenger()).as("%s predates production", older).isEmpty();
    String first = register();
    String second = register();
    assertThat(registry.challenger()).contains(second);
    registry.reject(second, "worse online");
    assertThat(registry.challenger()).contains(first);
    registry.promote(first);
    assertThat(registry.challenger()).isEmpty();
  }

  @Test
  public void rejectedVersionsAreSkippedByRollbackAndCannotBePromoted() throws Exception {
    String a = register();
    String b = register();
    String c = register();
    registry.promote(a);
    registry.promote(b);
    registry.promote(c);
    assertThatThrownBy(() -> registry.reject(c, "in production")).hasMessageContaining("roll back");
    registry.reject(b, "bad canary");
    assertThat(registry.describe(b).status()).isEqualTo(ModelStatus.REJECTED);
    assertThat(registry.describe(b).history())
        .last()
        .extracting(StatusEvent::reason)
        .isEqualTo("bad canary");
    assertThatThrownBy(() -> registry.promote(b)).hasMessageContaining("rejected");

    assertThat(registry.rollback()).isEqualTo(a);
  }

  @Test
  public void concurrentPromotionsLeaveAValidPointer() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (int round = 0; round < 5; round++) {
        String base = register();
        String x = register();
        String y = register();
        registry.promote(base);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean racing = new AtomicBoolean(true);
        Future<?> px = pool.submit(() -> promoteAfter(start, x));
        Future<?> py = pool.submit(() -> promoteAfter(start, y));
        Future<List<String>> reads =
            pool.submit(
                () -> {
                  List<String> seen = new ArrayList<>();
                  while (racing.get()) {
                    Optional<String> p = registry.production();
                    seen.add(p.orElse("<empty>"));
                  }
                  return seen;
                });
        start.countDown();
        px.get();
        py.get();
        racing.set(false);

        assertThat(reads.get()).isSubsetOf(base, x, y);
        String winner = registry.production().orElseThrow();
        assertThat(winner).isIn(x, y);
        try (LoadedModel loaded = registry.loadProduction("spec-v1")) {
          assertThat(loaded.versionId()).isEqualTo(winner);
        }
      }
      assertThat(tmp.getRoot().toPath().resolve("tmp").toFile().list()).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  public void theDriftReferenceRoundTripsThroughTheManifest() throws Exception {
    DriftReference reference =
        DriftReference.fitter(DriftReference.DEFAULT_BINS)
            .numeric("x0")
            .numeric("x1")
            .numeric("noise")
            .categorical("city", 10)
            .fit(data.features);
    String id = registry.register(Candidate.of(model, RANGE).withDriftReference(reference));

    assertThat(registry.describe(id).manifest().drift()).contains(reference);
    try (LoadedModel loaded = registry.load(id, "spec-v1")) {
      assertThat(loaded.manifest().driftReference()).isEqualTo(reference);
    }
    String json = Files.readString(manifestFile(id));
    assertThat(json).contains("\"driftReference\"").contains("\"proportions\"").contains("\"max\"");
  }

  @Test
  public void aManifestWithoutADriftReferenceStillLoads() throws Exception {
    String without = register();
    assertThat(Files.readString(manifestFile(without))).doesNotContain("driftReference");
    assertThat(registry.describe(without).manifest().drift()).isEmpty();

    // A manifest as written before drift monitoring existed: the field is simply absent.
    DriftReference reference =
        DriftReference.fitter(4)
            .numeric("x0")
            .numeric("x1")
            .numeric("noise")
            .categorical("city", 10)
            .fit(data.features);
    String id = registry.register(Candidate.of(model, RANGE).withDriftReference(reference));
    ObjectNode manifest =
        (ObjectNode) ManifestJson.MAPPER.readTree(Files.readAllBytes(manifestFile(id)));
    manifest.remove("driftReference");
    Files.write(manifestFile(id), ManifestJson.bytes(manifest));
    registry.promote(id);
    try (LoadedModel loaded = registry.loadProduction("spec-v1")) {
      assertThat(loaded.manifest().drift()).isEmpty();
      assertThat(loaded.versionId()).isEqualTo(id);
    }
  }

  @Test
  public void aDriftReferenceForOtherFeaturesIsRefused() {
    DriftReference other = DriftReference.fitter(4).numeric("y").fit(new float[][] {{1}, {2}});
    assertThatThrownBy(() -> Candidate.of(model, RANGE).withDriftReference(other))
        .hasMessageContaining("[y]")
        .hasMessageContaining("x0");
  }

  private Path manifestFile(String id) {
    return tmp.getRoot()
        .toPath()
        .resolve("versions")
        .resolve(id)
        .resolve(ModelRegistry.MANIFEST_FILE);
  }

  private Void promoteAfter(CountDownLatch start, String id) throws Exception {
    start.await();
    registry.promote(id);
    return null;
  }
}
