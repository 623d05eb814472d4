package dev.freshet.model.external;

/**
 * The format of an imported (external) network: which DJL engine runs it, the file name it is
 * stored under in a registry version, and whether {@code learn} can train it.
 */
public enum NetworkFormat {
  /** A TorchScript module saved by {@code torch.jit.save}; scored and trained by DJL's PyTorch. */
  TORCHSCRIPT("torchscript", "model.pt", "PyTorch", true),
  /** An ONNX graph; scored by DJL's ONNX Runtime engine, never trained. */
  ONNX("onnx", "model.onnx", "OnnxRuntime", false);

  private final String networkName;
  private final String fileName;
  private final String engine;
  private final boolean trainable;

  NetworkFormat(String networkName, String fileName, String engine, boolean trainable) {
    this.networkName = networkName;
    this.fileName = fileName;
    this.engine = engine;
    this.trainable = trainable;
  }

  /** The manifest's {@code network} value for versions of this format. */
  public String networkName() {
    return networkName;
  }

  /** The file holding the network in a registry version. */
  public String fileName() {
    return fileName;
  }

  /** The DJL engine name. */
  public String engine() {
    return engine;
  }

  /** Whether continual learning can update such a network in Java. */
  public boolean trainable() {
    return trainable;
  }
}
