package dev.freshet.model.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Offline metrics of a binary classifier over a set of (score, label) pairs.
 *
 * <ul>
 *   <li>{@code auc}: ROC AUC, ties counted as one half ({@code aucExact} false means it came from
 *       the bounded 10,000-bin histogram, see {@link BinaryMetricsAccumulator});
 *   <li>{@code logLoss}: mean binary cross-entropy (natural log; the probability given to the
 *       observed outcome is floored at 1e-15);
 *   <li>{@code normalizedEntropy}: log loss divided by the entropy of the base rate (He et al.
 *       2014); below 1 means better than always predicting the base rate;
 *   <li>{@code calibration}: mean prediction / observed positive rate (1 is calibrated);
 *   <li>{@code accuracy} at {@code threshold} (score {@code >=} threshold predicts positive).
 * </ul>
 *
 * Undefined values (e.g. AUC without both classes) are NaN.
 */
@DefaultCoder(BinaryMetrics.MetricsCoder.class)
public record BinaryMetrics(
    long examples,
    long positives,
    double threshold,
    double auc,
    boolean aucExact,
    double logLoss,
    double normalizedEntropy,
    double meanPrediction,
    double baseRate,
    double calibration,
    double accuracy)
    implements Serializable {

  /** Metric name to value, e.g. for a registry manifest. */
  public Map<String, Double> toMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("examples", (double) examples);
    m.put("positives", (double) positives);
    m.put("auc", auc);
    m.put("logLoss", logLoss);
    m.put("normalizedEntropy", normalizedEntropy);
    m.put("meanPrediction", meanPrediction);
    m.put("baseRate", baseRate);
    m.put("calibration", calibration);
    m.put("accuracy", accuracy);
    m.put("threshold", threshold);
    return m;
  }

  /** Deterministic coder for {@link BinaryMetrics}. */
  public static final class MetricsCoder extends CustomCoder<BinaryMetrics> {
    private static final MetricsCoder INSTANCE = new MetricsCoder();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final DoubleCoder DOUBLE = DoubleCoder.of();

    public static MetricsCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(BinaryMetrics.class), INSTANCE);
    }

    @Override
    public void encode(BinaryMetrics m, OutputStream out) throws IOException {
      LONG.encode(m.examples(), out);
      LONG.encode(m.positives(), out);
      DOUBLE.encode(m.threshold(), out);
      DOUBLE.encode(m.auc(), out);
      out.write(m.aucExact() ? 1 : 0);
      DOUBLE.encode(m.logLoss(), out);
      DOUBLE.encode(m.normalizedEntropy(), out);
      DOUBLE.encode(m.meanPrediction(), out);
      DOUBLE.encode(m.baseRate(), out);
      DOUBLE.encode(m.calibration(), out);
      DOUBLE.encode(m.accuracy(), out);
    }

    @Override
    public BinaryMetrics decode(InputStream in) throws IOException {
      return new BinaryMetrics(
          LONG.decode(in),
          LONG.decode(in),
          DOUBLE.decode(in),
          DOUBLE.decode(in),
          in.read() == 1,
          DOUBLE.decode(in),
          DOUBLE.decode(in),
          DOUBLE.decode(in),
          DOUBLE.decode(in),
          DOUBLE.decode(in),
          DOUBLE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
