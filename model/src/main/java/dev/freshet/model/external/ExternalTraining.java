package dev.freshet.model.external;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.freshet.model.BinaryClassifier;

/**
 * Whether an imported network can be fine-tuned in Java: it must be TorchScript (ONNX is
 * scoring-only), have parameters, and take one backward pass through its forward on a batch of the
 * layout's width. Checked on a throw-away copy before any training starts, so {@code learn} can
 * refuse at start with the reason.
 */
public final class ExternalTraining {
  private ExternalTraining() {}

  /** Throws {@link IllegalArgumentException} saying why {@code model} cannot be trained. */
  public static void requireTrainable(BinaryClassifier model) {
    ExternalNetwork external =
        model.external().orElseThrow(() -> new IllegalArgumentException("not an imported network"));
    if (!external.format().trainable()) {
      throw new IllegalArgumentException(
          "the "
              + external.format().networkName()
              + " network imported from "
              + external.sourceFile()
              + " is scoring-only: DJL cannot train it. Import the TorchScript module instead, or"
              + " train a native model (freshet train) to learn beside it.");
    }
    if (model.block().getParameters().isEmpty()) {
      throw new IllegalArgumentException(
          "the TorchScript module imported from "
              + external.sourceFile()
              + " has no parameters to train (was it frozen with torch.jit.freeze?); it can be"
              + " served but not fine-tuned. Save it unfrozen to learn from it.");
    }
    try (BinaryClassifier probe = model.withCalibration(model.calibration());
        NDManager manager = probe.djlModel().getNDManager().newSubManager()) {
      probe.block().getParameters().forEach(p -> p.getValue().getArray().setRequiresGradient(true));
      NDArray input = manager.zeros(new Shape(2, probe.encoder().width()));
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray out =
            probe.logitsOf(
                probe
                    .block()
                    .forward(new ParameterStore(manager, false), new NDList(input), true)
                    .singletonOrThrow());
        collector.backward(out.sum());
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the TorchScript module imported from "
              + external.sourceFile()
              + " cannot be trained by DJL (a forward and backward pass failed: "
              + firstLine(e)
              + "); it can be served but not fine-tuned.",
          e);
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
