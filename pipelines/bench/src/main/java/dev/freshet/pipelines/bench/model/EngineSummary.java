package dev.freshet.pipelines.bench.model;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The engine this JVM loaded: libtorch version, flavour and folder, CUDA or not, GPUs seen. */
final class EngineSummary {
  private static final Pattern CACHE_FLAVOR = Pattern.compile("-(cpu|cu\\d+)(-precxx11)?-");

  private EngineSummary() {}

  static String describe() {
    Engine engine = Engine.getInstance();
    String dir = LibUtils.getLibtorchPath();
    int gpus = engine.getGpuCount();
    String cuda =
        gpus > 0
            ? String.format(
                Locale.ROOT,
                ", CUDA runtime %s, compute capability %s",
                CudaUtils.getCudaVersionString(),
                CudaUtils.getComputeCapability(0))
            : "";
    return String.format(
        Locale.ROOT,
        "Engine %s, libtorch %s, flavour %s (%s build) from %s; DJL %s; GPUs visible: %d%s",
        engine.getEngineName(),
        engine.getVersion(),
        flavor(dir),
        engine.hasCapability(StandardCapabilities.CUDA) ? "CUDA" : "CPU",
        dir,
        Engine.getDjlVersion(),
        gpus,
        cuda);
  }

  /** PYTORCH_FLAVOR for a libtorch of one's own; the cache folder's name for DJL's bundled one. */
  private static String flavor(String dir) {
    if (Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH") != null) {
      return Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR", "unset") + " (PYTORCH_FLAVOR)";
    }
    Matcher m = CACHE_FLAVOR.matcher(dir);
    return m.find() ? m.group(1) : "unknown";
  }
}
