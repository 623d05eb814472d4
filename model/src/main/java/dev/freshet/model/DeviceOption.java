package dev.freshet.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * Where a model trains and scores: {@code cpu}, {@code gpu} (fails if the engine sees no GPU) or
 * {@code auto} (the first GPU if there is one, else the CPU).
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

  /** Maps the option to a DJL {@link Device} of the default engine. */
  public Device resolve() {
    return resolve(Engine.getInstance().getGpuCount());
  }

  /** Maps the option given the number of visible GPUs (separate for testing). */
  public Device resolve(int gpuCount) {
    switch (this) {
      case CPU:
        return Device.cpu();
      case GPU:
        if (gpuCount <= 0) {
          throw new IllegalStateException(
              "device option 'gpu' was requested but the PyTorch engine sees no GPU on this"
                  + " machine. Use device 'cpu' or 'auto', or run on a GPU machine with a CUDA"
                  + " flavour of pytorch-native on the class path.");
        }
        return Device.gpu();
      case AUTO:
      default:
        return gpuCount > 0 ? Device.gpu() : Device.cpu();
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
