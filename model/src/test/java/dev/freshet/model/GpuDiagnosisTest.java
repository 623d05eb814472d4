package dev.freshet.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.model.GpuDiagnosis.Environment;
import dev.freshet.model.GpuDiagnosis.Finding;
import dev.freshet.model.GpuDiagnosis.Missing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Each branch of the diagnosis on a fake CUDA wheel (empty files where the libraries would be): a
 * folder {@code site-packages/} with {@code torch/lib}, {@code torch/version.py} and {@code
 * nvidia/cuda_runtime/lib}, as {@code pip install torch} lays it out.
 */
public class GpuDiagnosisTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private Path torch;
  private Path lib;
  private Path cache;
  private final Map<String, String> variables = new HashMap<>();
  private final Map<String, String> properties = new HashMap<>();
  private boolean cudart;

  @Before
  public void fakeCudaWheel() throws IOException {
    Path sitePackages = tmp.newFolder("site-packages").toPath();
    torch = Files.createDirectories(sitePackages.resolve("torch"));
    lib = Files.createDirectories(torch.resolve("lib"));
    for (String name :
        new String[] {
          "libtorch.so",
          "libtorch_cpu.so",
          "libtorch_cuda.so",
          "libc10.so",
          "libc10_cuda.so",
          "libtorch_python.so",
          "libtorchbind_test.so",
          "libjitbackend_test.so",
          "libshm.so"
        }) {
      Files.createFile(lib.resolve(name));
    }
    write(
        torch.resolve("version.py"),
        "from typing import Optional\n__version__ = '2.11.0+cu130'\ndebug = False\n"
            + "cuda: Optional[str] = '13.0'\nhip: Optional[str] = None\n");
    Path runtime = Files.createDirectories(sitePackages.resolve("nvidia/cuda_runtime/lib"));
    Files.createFile(runtime.resolve("libcudart.so.13"));
    cache = tmp.newFolder("djl-cache").toPath();
    properties.put("user.home", tmp.newFolder("home").toString());
    properties.put("os.arch", "amd64");
  }

  @Test
  public void withoutLibraryPathSaysDjlLoadsItsCpuBuild() {
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.LIBRARY_PATH);
    assertThat(f.message())
        .contains("PYTORCH_LIBRARY_PATH is not set", "CPU build", "runners/gpu/run.sh");
  }

  @Test
  public void libraryPathWithoutLibtorchIsNamed() throws IOException {
    variables.put("PYTORCH_LIBRARY_PATH", tmp.newFolder("empty").toString());
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.LIBRARY_PATH);
    assertThat(f.message()).contains("has no libtorch.so");
  }

  @Test
  public void libraryPathIsReadFromSystemPropertiesTooAsDjlDoes() {
    properties.put("PYTORCH_LIBRARY_PATH", lib.toString());
    assertThat(diagnose().missing()).isEqualTo(Missing.VERSION);
  }

  @Test
  public void cpuBuildOfLibtorchIsNotEnough() throws IOException {
    Files.delete(lib.resolve("libtorch_cuda.so"));
    variables.put("PYTORCH_LIBRARY_PATH", lib.toString());
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.CUDA_BUILD);
    assertThat(f.message()).contains("CPU build", "no libtorch_cuda.so");
  }

  @Test
  public void missingVersionNamesTheOneOfTheFolder() {
    variables.put("PYTORCH_LIBRARY_PATH", lib.toString());
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.VERSION);
    assertThat(f.message()).contains("PYTORCH_VERSION is not set", "PYTORCH_VERSION=2.11.0");
  }

  @Test
  public void versionOtherThanTheFoldersIsRefusedBeforeTheJvmAborts() {
    variables.put("PYTORCH_LIBRARY_PATH", lib.toString());
    variables.put("PYTORCH_VERSION", "2.7.1");
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.VERSION);
    assertThat(f.message()).contains("PYTORCH_VERSION=2.7.1", "is 2.11.0", "aborts");
  }

  @Test
  public void versionOfALibtorchZipIsReadFromItsBuildVersionFile() throws IOException {
    Path libtorch = tmp.newFolder("libtorch").toPath();
    Path zipLib = Files.createDirectories(libtorch.resolve("lib"));
    Files.createFile(zipLib.resolve("libtorch.so"));
    Files.createFile(zipLib.resolve("libtorch_cuda.so"));
    write(libtorch.resolve("build-version"), "2.7.1+cu128\n");
    variables.put("PYTORCH_LIBRARY_PATH", zipLib.toString());
    variables.put("PYTORCH_VERSION", "2.7.1");
    variables.put("PYTORCH_FLAVOR", "cu126");
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.FLAVOR);
    assertThat(f.message()).contains("PYTORCH_FLAVOR=cu128");
  }

  @Test
  public void missingFlavorNamesTheFoldersCudaVersion() {
    settings("2.11.0", null);
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.FLAVOR);
    assertThat(f.message()).contains("PYTORCH_FLAVOR is not set", "PYTORCH_FLAVOR=cu130");
  }

  @Test
  public void cpuFlavorOnACudaBuildIsRefused() {
    settings("2.11.0", "cpu");
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.FLAVOR);
    assertThat(f.message()).contains("libtorch_cuda only for a cu flavour", "cu130");
  }

  @Test
  public void missingJniGlueNamesWhereDjlLooksAndTheBuildScript() {
    settings("2.11.0", "cu130");
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.JNI);
    assertThat(f.message())
        .contains(
            lib.resolve("0.36.0-libdjl_torch.so").toString(),
            cache.resolve("pytorch/2.11.0-cu130-linux-x86_64/0.36.0-libdjl_torch.so").toString(),
            "2.7.1-0.36.0",
            "runners/gpu/build-jni.sh " + torch);
  }

  @Test
  public void jniGlueInTheEngineCacheIsFound() throws IOException {
    settings("2.11.0", "cu130");
    placeJni(cache.resolve("pytorch/2.11.0-cu130-linux-x86_64"));
    assertThat(diagnose().missing()).isEqualTo(Missing.TEST_LIBRARIES);
  }

  @Test
  public void jniGlueBesideLibtorchIsFoundWithoutACacheSetting() throws IOException {
    settings("2.11.0", "cu130");
    variables.remove("ENGINE_CACHE_DIR");
    placeJni(lib);
    assertThat(diagnose().missing()).isEqualTo(Missing.TEST_LIBRARIES);
  }

  @Test
  public void theJarsOwnJniServesLibtorch271Cu128() throws IOException {
    write(torch.resolve("version.py"), "__version__ = '2.7.1+cu128'\ncuda = '12.8'\n");
    settings("2.7.1", "cu128");
    assertThat(diagnose().missing()).isEqualTo(Missing.TEST_LIBRARIES);
  }

  @Test
  public void testLibrariesThatDjlWouldLoadAreListedForTheExclusion() throws IOException {
    settings("2.11.0", "cu130");
    placeJni(cache.resolve("pytorch/2.11.0-cu130-linux-x86_64"));
    variables.put("PYTORCH_LIBRARY_EXCLUSION", "libjitbackend_test.so");
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.TEST_LIBRARIES);
    assertThat(f.message())
        .contains(
            "libtorchbind_test.so",
            "PYTORCH_LIBRARY_EXCLUSION=libjitbackend_test.so,libtorchbind_test.so")
        .doesNotContain("libshm.so")
        .doesNotContain("libtorch_python.so");
  }

  @Test
  public void cudartThatJnaCannotLoadPointsAtTheWheelsVersionedOne() throws IOException {
    readyButCudart();
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.CUDART);
    assertThat(f.message())
        .contains("libcudart.so", "-Djna.library.path", "nvidia/cuda_runtime/lib/libcudart.so.13");
  }

  @Test
  public void withEverythingInPlaceTheDriverIsSuspected() throws IOException {
    readyButCudart();
    cudart = true;
    Finding f = diagnose();
    assertThat(f.missing()).isEqualTo(Missing.NOTHING);
    assertThat(f.message()).contains("nvidia-smi", "CUDA_VISIBLE_DEVICES");
  }

  @Test
  public void aFailedLoadOfACpuLibtorchIsDiagnosedWithoutTheGpuChecks() throws IOException {
    Files.delete(lib.resolve("libtorch_cuda.so"));
    settings("2.11.0", "cpu");
    placeJni(cache.resolve("pytorch/2.11.0-cpu-linux-x86_64"));
    GpuDiagnosis diagnosis = GpuDiagnosis.of(environment());
    assertThat(diagnosis.diagnose().missing()).isEqualTo(Missing.CUDA_BUILD);
    Finding load = diagnosis.diagnoseLoadFailure();
    assertThat(load.missing()).isEqualTo(Missing.TEST_LIBRARIES);
    assertThat(load.message()).contains("libtorchbind_test.so");
    variables.put("PYTORCH_LIBRARY_EXCLUSION", "libtorchbind_test.so,libjitbackend_test.so");
    assertThat(GpuDiagnosis.of(environment()).diagnoseLoadFailure().message())
        .contains("look right", "the engine's own error is the cause");
  }

  @Test
  public void aCudaFlavourOnACpuLibtorchIsRefusedWhenItFailsToLoad() throws IOException {
    Files.delete(lib.resolve("libtorch_cuda.so"));
    settings("2.11.0", "cu130");
    Finding f = GpuDiagnosis.of(environment()).diagnoseLoadFailure();
    assertThat(f.missing()).isEqualTo(Missing.FLAVOR);
    assertThat(f.message()).contains("CPU build", "PYTORCH_FLAVOR=cpu");
  }

  private void readyButCudart() throws IOException {
    settings("2.11.0", "cu130");
    placeJni(cache.resolve("pytorch/2.11.0-cu130-linux-x86_64"));
    variables.put("PYTORCH_LIBRARY_EXCLUSION", "libtorchbind_test.so,libjitbackend_test.so");
  }

  private void settings(String version, String flavor) {
    variables.put("PYTORCH_LIBRARY_PATH", lib.toString());
    variables.put("PYTORCH_VERSION", version);
    if (flavor != null) {
      variables.put("PYTORCH_FLAVOR", flavor);
    }
    variables.put("ENGINE_CACHE_DIR", cache.toString());
  }

  private Finding diagnose() {
    return GpuDiagnosis.of(environment()).diagnose();
  }

  private Environment environment() {
    Set<String> jarJni =
        Set.of(
            "jnilib/linux-x86_64/cpu/libdjl_torch.so", "jnilib/linux-x86_64/cu128/libdjl_torch.so");
    return new Environment(
        variables, properties, "0.36.0", "2.7.1-0.36.0", jarJni::contains, cudart);
  }

  private static void placeJni(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.createFile(dir.resolve("0.36.0-libdjl_torch.so"));
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
