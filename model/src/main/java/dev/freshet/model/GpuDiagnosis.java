package dev.freshet.model;

import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Why the PyTorch engine sees no GPU. DJL 0.36 bundles only a CPU libtorch, and Maven Central has
 * no CUDA build for it, so a GPU needs a CUDA libtorch from elsewhere (a PyTorch wheel's {@code
 * torch/lib}) and four settings around it. This checks them in the order DJL uses them and names
 * the first that is missing, with what to do: {@code PYTORCH_LIBRARY_PATH} (a folder with {@code
 * libtorch.so}, built for CUDA), {@code PYTORCH_VERSION} and {@code PYTORCH_FLAVOR} (set, and those
 * of that folder), the JNI glue built for that libtorch where DJL looks for it offline, the wheel's
 * test libraries in {@code PYTORCH_LIBRARY_EXCLUSION}, and a {@code libcudart} that JNA loads (DJL
 * counts GPUs through it). {@value #SCRIPT} does all of it in one step.
 *
 * <p>Reads only files and the {@link Environment}; loads nothing, so it runs after a failed load.
 */
public final class GpuDiagnosis {
  /** The script that builds the JNI glue and sets the variables on a CUDA machine. */
  public static final String SCRIPT = "runners/gpu/run.sh";

  /** What is missing, in the order checked. */
  public enum Missing {
    LIBRARY_PATH,
    CUDA_BUILD,
    VERSION,
    FLAVOR,
    JNI,
    TEST_LIBRARIES,
    CUDART,
    /** Everything DJL needs is there; the CUDA runtime itself reports no device. */
    NOTHING
  }

  /** The first thing missing and the message that says what to do. */
  public record Finding(Missing missing, String message) {}

  /**
   * What the checks read: environment variables and system properties (DJL reads each setting from
   * either, the variable first), the DJL version, which JNI files the {@code pytorch-jni} jar on
   * the class path carries ({@code jnilib/<platform>/<flavor>/libdjl_torch.so}) and for which
   * libtorch version, and whether JNA loaded {@code libcudart}.
   */
  public record Environment(
      Map<String, String> variables,
      Map<String, String> properties,
      String djlVersion,
      String bundledJniVersion,
      Predicate<String> bundledJni,
      boolean cudartLoaded) {

    /** This JVM's environment. */
    public static Environment system() {
      Map<String, String> properties = new HashMap<>();
      System.getProperties().forEach((k, v) -> properties.put(k.toString(), v.toString()));
      ClassLoader loader = GpuDiagnosis.class.getClassLoader();
      return new Environment(
          System.getenv(),
          properties,
          Engine.getDjlVersion(),
          bundledJniVersion(loader),
          resource -> loader.getResource(resource) != null,
          jnaLoadedCudart());
    }

    String get(String name) {
      String value = variables.get(name);
      value = value != null ? value : properties.get(name);
      return value == null || value.isEmpty() ? null : value;
    }

    private static String bundledJniVersion(ClassLoader loader) {
      try (InputStream in = loader.getResourceAsStream("jnilib/pytorch.properties")) {
        if (in == null) {
          return null;
        }
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("jni_version");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** DJL's {@code CudaUtils} answers the runtime version only if JNA loaded cudart. */
    private static boolean jnaLoadedCudart() {
      try {
        CudaUtils.getCudaVersion();
        return true;
      } catch (RuntimeException | LinkageError e) {
        return false;
      }
    }
  }

  private static final Pattern TEST_LIBRARY =
      Pattern.compile(".*(test|aoti_custom_ops|backend_with_compiler).*");
  private static final Pattern SHARED_LIBRARY = Pattern.compile(".*\\.so(\\.\\d+)*");
  private static final Pattern WHEEL_VERSION =
      Pattern.compile("__version__\\s*=\\s*'([^']+)'|^cuda\\s*(?::[^=]*)?=\\s*'([0-9.]+)'");

  private final Environment env;

  private GpuDiagnosis(Environment env) {
    this.env = env;
  }

  /** A diagnosis of this JVM. */
  public static GpuDiagnosis ofSystem() {
    return new GpuDiagnosis(Environment.system());
  }

  /** A diagnosis of the given environment. */
  public static GpuDiagnosis of(Environment env) {
    return new GpuDiagnosis(env);
  }

  /** The first thing missing for a GPU, in the order DJL needs them. */
  public Finding diagnose() {
    return check(true);
  }

  /**
   * For a libtorch in {@code PYTORCH_LIBRARY_PATH} that failed to load: the same checks less those
   * only a GPU needs (a CUDA build, cudart), so a CPU libtorch of one's own is diagnosed too.
   */
  public Finding diagnoseLoadFailure() {
    return check(false);
  }

  private Finding check(boolean gpu) {
    String libraryPath = env.get("PYTORCH_LIBRARY_PATH");
    if (libraryPath == null) {
      return finding(
          Missing.LIBRARY_PATH,
          "PYTORCH_LIBRARY_PATH is not set, so DJL loads the CPU build of libtorch it bundles"
              + " (pytorch-native-cpu); Maven Central has no CUDA build for DJL "
              + env.djlVersion()
              + ". Set it to the lib folder of a CUDA libtorch (a CUDA PyTorch wheel's torch/lib).");
    }
    Path dir = libtorchDir(libraryPath);
    if (dir == null) {
      return finding(
          Missing.LIBRARY_PATH,
          "PYTORCH_LIBRARY_PATH="
              + libraryPath
              + " has no libtorch.so (DJL looks in each folder of the list, or takes the file"
              + " itself). Point it at the folder that holds libtorch.so, libtorch_cuda.so and"
              + " libc10.so (a PyTorch wheel's torch/lib).");
    }
    boolean cudaBuild = Files.isRegularFile(dir.resolve("libtorch_cuda.so"));
    if (gpu && !cudaBuild) {
      return finding(
          Missing.CUDA_BUILD,
          dir
              + " holds a CPU build of libtorch (no libtorch_cuda.so). Use the lib folder of a CUDA"
              + " build: python3 -c 'import torch; print(torch.version.cuda)' prints its CUDA"
              + " version, None for a CPU wheel.");
    }
    Built built = built(dir);
    String version = env.get("PYTORCH_VERSION");
    if (version == null) {
      return finding(
          Missing.VERSION,
          "PYTORCH_VERSION is not set: DJL then takes "
              + dir
              + " for its own libtorch and its JNI glue for that; with another version the JVM"
              + " aborts at the first tensor operation. Set PYTORCH_VERSION="
              + (built.version == null ? "<the libtorch's version, e.g. 2.11.0>" : built.version)
              + ".");
    }
    if (built.version != null && !built.version.equals(version)) {
      return finding(
          Missing.VERSION,
          "PYTORCH_VERSION="
              + version
              + " but the libtorch in "
              + dir
              + " is "
              + built.version
              + " (its version file): DJL would pick JNI glue built for another libtorch, and the"
              + " JVM aborts at the first tensor operation. Set PYTORCH_VERSION="
              + built.version
              + ".");
    }
    String flavor = env.get("PYTORCH_FLAVOR");
    String expected =
        !cudaBuild ? "cpu" : built.cuda == null ? "cuNNN, e.g. cu128 for CUDA 12.8" : built.cuda;
    if (flavor == null) {
      return finding(
          Missing.FLAVOR,
          "PYTORCH_FLAVOR is not set: DJL then guesses a flavour from the CUDA runtime that names"
              + " no JNI glue, and treats the folder as CPU-only if JNA cannot load cudart. Set"
              + " PYTORCH_FLAVOR="
              + expected
              + ".");
    }
    boolean flavorFits =
        cudaBuild
            ? flavor.startsWith("cu") && (built.cuda == null || built.cuda.equals(flavor))
            : flavor.equals("cpu");
    if (!flavorFits) {
      return finding(
          Missing.FLAVOR,
          "PYTORCH_FLAVOR="
              + flavor
              + " does not match the "
              + (cudaBuild ? "CUDA" : "CPU")
              + " build in "
              + dir
              + (!cudaBuild || flavor.startsWith("cu")
                  ? ""
                  : " (DJL loads libtorch_cuda only for a cu flavour)")
              + ". Set PYTORCH_FLAVOR="
              + expected
              + ".");
    }
    List<Path> jniPlaces = jniPlaces(dir, version, flavor);
    if (jniPlaces.stream().noneMatch(Files::isRegularFile) && !bundledJniFits(version, flavor)) {
      return finding(
          Missing.JNI,
          "no JNI glue (libdjl_torch.so) for libtorch "
              + version
              + " "
              + flavor
              + ": DJL "
              + env.djlVersion()
              + " looks for it at "
              + jniPlaces.stream().map(Path::toString).collect(Collectors.joining(", "))
              + ", and its pytorch-jni jar carries it only for "
              + (env.bundledJniVersion() == null ? "no version" : env.bundledJniVersion())
              + "; offline, DJL does not download it. Build it from DJL's sources for this"
              + " libtorch: runners/gpu/build-jni.sh "
              + dir.getParent()
              + " "
              + jniPlaces.get(jniPlaces.size() - 1)
              + ".");
    }
    List<String> tests = testLibrariesLoaded(dir);
    if (!tests.isEmpty()) {
      return finding(
          Missing.TEST_LIBRARIES,
          dir
              + " holds test libraries that DJL would load one by one with the others, which they"
              + " are not made for: "
              + String.join(", ", tests)
              + ". Exclude them: PYTORCH_LIBRARY_EXCLUSION="
              + String.join(",", excluded(tests))
              + ".");
    }
    if (!gpu) {
      return finding(
          Missing.NOTHING,
          "PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR, the JNI glue and the exclusions"
              + " look right for "
              + dir
              + "; the engine's own error is the cause.");
    }
    if (!env.cudartLoaded()) {
      return finding(
          Missing.CUDART,
          "JNA cannot load libcudart.so, so DJL counts no GPU even with a CUDA libtorch. Wheels"
              + " ship only a versioned one"
              + cudartHint(dir)
              + ": link it as libcudart.so in a folder and pass that folder as"
              + " -Djna.library.path (or put it on LD_LIBRARY_PATH).");
    }
    return finding(
        Missing.NOTHING,
        "PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR, the JNI glue, the exclusions and"
            + " libcudart are in place, yet the CUDA runtime reports no device: check nvidia-smi,"
            + " that the driver supports the libtorch's CUDA version, and CUDA_VISIBLE_DEVICES.");
  }

  private Finding finding(Missing missing, String what) {
    String fix =
        missing == Missing.NOTHING
            ? ""
            : " " + SCRIPT + " finds a CUDA PyTorch, builds the JNI glue and sets all of this.";
    return new Finding(missing, what + fix);
  }

  /** As DJL's LibUtils: the first entry that is libtorch.so or a folder holding it. */
  private static Path libtorchDir(String libraryPath) {
    for (String entry : libraryPath.split(java.io.File.pathSeparator)) {
      Path p = Paths.get(entry);
      if (Files.isRegularFile(p) && p.getFileName().toString().equals("libtorch.so")) {
        return p.toAbsolutePath().getParent();
      }
      if (Files.isRegularFile(p.resolve("libtorch.so"))) {
        return p.toAbsolutePath();
      }
    }
    return null;
  }

  /** Version and CUDA flavour the libtorch says it is, where it says (wheel or libtorch zip). */
  private record Built(String version, String cuda) {}

  private static Built built(Path dir) {
    Path root = dir.getParent();
    String full = null;
    String cuda = null;
    try {
      if (root != null && Files.isRegularFile(root.resolve("version.py"))) {
        for (String line : Files.readAllLines(root.resolve("version.py"), StandardCharsets.UTF_8)) {
          Matcher m = WHEEL_VERSION.matcher(line.trim());
          if (m.find()) {
            full = m.group(1) != null ? m.group(1) : full;
            cuda = m.group(2) != null ? "cu" + m.group(2).replace(".", "") : cuda;
          }
        }
      } else if (root != null && Files.isRegularFile(root.resolve("build-version"))) {
        full = Files.readString(root.resolve("build-version"), StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (full == null) {
      return new Built(null, cuda);
    }
    int plus = full.indexOf('+');
    String local = plus < 0 ? "" : full.substring(plus + 1);
    if (cuda == null && local.startsWith("cu")) {
      cuda = local;
    }
    return new Built(plus < 0 ? full : full.substring(0, plus), cuda);
  }

  /** Where DJL 0.36's LibUtils.findJniLibrary looks, in its order; the last is the cache. */
  private List<Path> jniPlaces(Path dir, String version, String flavor) {
    String jni = "libdjl_torch.so";
    Path cache =
        engineCacheDir().resolve("pytorch").resolve(version + "-" + flavor + "-" + platform());
    return List.of(
        dir.resolve(env.djlVersion() + "-" + jni),
        dir.resolve(jni),
        cache.resolve(env.djlVersion() + "-" + jni));
  }

  /** DJL extracts the jar's JNI glue only when the jar was built for this libtorch version. */
  private boolean bundledJniFits(String version, String flavor) {
    String jar = env.bundledJniVersion();
    return jar != null
        && jar.startsWith(version + "-" + env.djlVersion())
        && env.bundledJni().test("jnilib/" + platform() + "/" + flavor + "/libdjl_torch.so");
  }

  /** As DJL's Utils.getEngineCacheDir. */
  private Path engineCacheDir() {
    String engine = env.get("ENGINE_CACHE_DIR");
    if (engine != null) {
      return Paths.get(engine);
    }
    String cache = env.get("DJL_CACHE_DIR");
    if (cache != null) {
      return Paths.get(cache);
    }
    Path home = Paths.get(env.properties().getOrDefault("user.home", "."));
    Path base =
        Files.isWritable(home)
            ? home
            : Paths.get(env.properties().getOrDefault("java.io.tmpdir", "/tmp"));
    return base.resolve(".djl.ai");
  }

  private String platform() {
    String arch = env.properties().getOrDefault("os.arch", "amd64");
    return "linux-" + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch);
  }

  /** The test libraries DJL's first loading pass would System.load, less the excluded ones. */
  private List<String> testLibrariesLoaded(Path dir) {
    Set<String> exclusion =
        Set.of(env.get("PYTORCH_LIBRARY_EXCLUSION") == null ? new String[0] : exclusions());
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString())
          .filter(n -> SHARED_LIBRARY.matcher(n).matches() && !exclusion.contains(n))
          .filter(n -> !n.contains("torch_") && !n.contains("caffe2_") && !n.startsWith("cudnn"))
          .filter(n -> TEST_LIBRARY.matcher(n).matches())
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String[] exclusions() {
    return env.get("PYTORCH_LIBRARY_EXCLUSION").split(",");
  }

  private List<String> excluded(List<String> tests) {
    List<String> all = new ArrayList<>();
    if (env.get("PYTORCH_LIBRARY_EXCLUSION") != null) {
      all.addAll(Arrays.asList(exclusions()));
    }
    all.addAll(tests);
    return all;
  }

  /** Where a pip install puts cudart: site-packages/nvidia/cuda_runtime/lib, beside torch/. */
  private static String cudartHint(Path dir) {
    Path sitePackages = dir.getParent() == null ? null : dir.getParent().getParent();
    if (sitePackages == null || !Files.isDirectory(sitePackages.resolve("nvidia"))) {
      return " (libcudart.so.N)";
    }
    try (Stream<Path> files = Files.walk(sitePackages.resolve("nvidia"), 3)) {
      List<String> found =
          files
              .filter(p -> p.getFileName().toString().startsWith("libcudart.so."))
              .map(Path::toString)
              .sorted()
              .collect(Collectors.toList());
      return found.isEmpty() ? " (libcudart.so.N)" : ", here " + String.join(", ", found);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
