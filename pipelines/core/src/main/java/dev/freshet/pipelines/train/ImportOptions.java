package dev.freshet.pipelines.train;

import dev.freshet.model.external.OutputKind;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of {@code freshet models import}: the user's network file, what it returns and whether
 * Freshet standardises its input, plus train's data and registry options (the events give the
 * vectors the network is checked on, the holdout its offline metrics and the smoke-test set) and
 * model options (the device; the learning rate fine-tuning starts from).
 */
public interface ImportOptions extends TrainOptions {
  @Description(
      "TorchScript module (torch.jit.save) to import: input float [batch, width] in the spec's column order, one logit or probability per row (see --networkOutput). Scored and fine-tuned by DJL's PyTorch engine.")
  String getTorchscript();

  void setTorchscript(String value);

  @Description(
      "ONNX graph to import instead of --torchscript (same input and output); scoring only, through DJL's ONNX Runtime engine: learn refuses it.")
  String getOnnx();

  void setOnnx(String value);

  @Description("What the network returns per row: LOGIT or PROBABILITY.")
  @Default.Enum("LOGIT")
  OutputKind getNetworkOutput();

  void setNetworkOutput(OutputKind value);

  @Description(
      "Standardise the numeric columns (and clip them to their range) with statistics of the training part of --events, as train does; false (default): the network gets raw values and normalises itself.")
  @Default.Boolean(false)
  boolean getStandardize();

  void setStandardize(boolean value);

  @Description(
      "Make the imported version production; without it, it becomes production only when the registry has none. (Not --promote: that is learn's option, and Beam options with one name must agree across the interfaces of a JVM.)")
  @Default.Boolean(false)
  boolean getMakeProduction();

  void setMakeProduction(boolean value);
}
