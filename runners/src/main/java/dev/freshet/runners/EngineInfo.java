package dev.freshet.runners;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import java.io.PrintStream;

/**
 * Prints which deep-learning engine this JVM loads, from where, and the GPUs it sees: a check of a
 * worker image ({@code java -cp freshet.jar dev.freshet.runners.EngineInfo}). Loading the engine
 * also puts its native library in the DJL cache, which is how the CUDA worker image pre-fetches it.
 */
public final class EngineInfo {
  private EngineInfo() {}

  public static void main(String[] args) {
    print(System.out);
  }

  static void print(PrintStream out) {
    Engine engine = Engine.getInstance();
    out.printf("engine %s %s%n", engine.getEngineName(), engine.getVersion());
    out.printf("libtorch %s%n", LibUtils.getLibtorchPath());
    out.printf("gpus %d%n", engine.getGpuCount());
    out.printf("default device %s%n", engine.defaultDevice());
  }
}
