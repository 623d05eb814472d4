package dev.freshet.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where a model trains and scores: {@code cpu}, {@code gpu} (fails if the engine sees no GPU,
 * saying what is missing: {@link GpuDiagnosis}) or {@code auto} (the first GPU if there is one,
 * else the CPU).
 */
public enum DeviceOption {
  CPU,
  GPU,
  AUTO;

  /** Parses {@code cpu|gpu|auto}, case-insensitively. */
  public static DeviceOption parse(String value) {
    for (DeviceOption o : values()) {
      if (o.name().equalsIgnoreCase(value.trim())) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "device option must be one of cpu, gpu, auto; got '" + value + "'");
  }

  /**
   * Maps the option to a DJL {@link Device} of the default engine. When the engine fails to load a
   * libtorch named by {@code PYTORCH_LIBRARY_PATH}, the error says what of its setup is missing.
   */
  public Device resolve() {
    Engine engine;
    try {
      engine = Engine.getInstance();
    } catch (RuntimeException e) {
      if (System.getenv("PYTORCH_LIBRARY_PATH") == null
          && System.getProperty("PYTORCH_LIBRARY_PATH") == null) {
        throw e;
      }
      throw new IllegalStateException(
          "the PyTorch engine failed to load the libtorch in PYTORCH_LIBRARY_PATH ("
              + e.getMessage()
              + "): "
              + GpuDiagnosis.ofSystem().diagnoseLoadFailure().message(),
          e);
    }
    return resolve(engine.getGpuCount(), () -> GpuDiagnosis.ofSystem().diagnose().message());
  }

  /** Maps the option given the number of visible GPUs (separate for testing). */
  public Device resolve(int gpuCount) {
    return resolve(gpuCount, () -> GpuDiagnosis.ofSystem().diagnose().message());
  }

  /** As {@link #resolve(int)}, with the explanation given when {@code gpu} finds no GPU. */
  Device resolve(int gpuCount, Supplier<String> whyNoGpu) {
    switch (this) {
      case CPU:
        return Device.cpu();
      case GPU:
        if (gpuCount <= 0) {
          throw new IllegalStateException(
              "device option 'gpu' was requested but the PyTorch engine sees no GPU on this"
                  + " machine (use 'cpu' or 'auto' to run without one): "
                  + whyNoGpu.get());
        }
        return Device.gpu();
      case AUTO:
      default:
        return gpuCount > 0 ? Device.gpu() : Device.cpu();
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
