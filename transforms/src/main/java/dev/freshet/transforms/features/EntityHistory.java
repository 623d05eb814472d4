package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Everything one entity key remembers: its recent events and the labels that became known for its
 * events. Both are bounded by the longest window of the key plus the allowed lateness.
 */
final class EntityHistory {
  final TimeSeries events;
  final TimeSeries labels;

  /** When the streaming path's expiry timer is set to fire; moved forward in coarse steps. */
  long expiryAt = Long.MIN_VALUE;

  EntityHistory(TimeSeries events, TimeSeries labels) {
    this.events = events;
    this.labels = labels;
  }

  /** Stores the live entries; the running sums are rebuilt on decode, bit for bit. */
  static final class Coder extends AtomicCoder<EntityHistory> {
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final DoubleCoder DOUBLE = DoubleCoder.of();

    @Override
    public void encode(EntityHistory value, OutputStream out) throws IOException {
      encode(value.events, out);
      encode(value.labels, out);
      LONG.encode(value.expiryAt, out);
    }

    @Override
    public EntityHistory decode(InputStream in) throws IOException {
      EntityHistory history = new EntityHistory(decodeSeries(in), decodeSeries(in));
      history.expiryAt = LONG.decode(in);
      return history;
    }

    private static void encode(TimeSeries ts, OutputStream out) throws IOException {
      int nc = ts.numericColumns();
      int hc = ts.hashColumns();
      INT.encode(nc, out);
      INT.encode(hc, out);
      LONG.encode(ts.maxTime(), out);
      for (int c = 0; c < nc; c++) {
        DOUBLE.encode(ts.baseSum(c), out);
        DOUBLE.encode(ts.basePresent(c), out);
      }
      INT.encode(ts.size(), out);
      for (int i = ts.start(); i < ts.end(); i++) {
        LONG.encode(ts.time(i), out);
        LONG.encode(ts.tie(i), out);
        for (int c = 0; c < nc; c++) {
          DOUBLE.encode(ts.value(c, i), out);
        }
        for (int c = 0; c < hc; c++) {
          LONG.encode(ts.hash(c, i), out);
        }
      }
    }

    private static TimeSeries decodeSeries(InputStream in) throws IOException {
      int nc = INT.decode(in);
      int hc = INT.decode(in);
      long maxTime = LONG.decode(in);
      double[] baseSum = new double[nc];
      double[] basePresent = new double[nc];
      for (int c = 0; c < nc; c++) {
        baseSum[c] = DOUBLE.decode(in);
        basePresent[c] = DOUBLE.decode(in);
      }
      int n = INT.decode(in);
      long[] times = new long[n];
      long[] ties = new long[n];
      double[][] values = new double[nc][n];
      long[][] hashes = new long[hc][n];
      for (int i = 0; i < n; i++) {
        times[i] = LONG.decode(in);
        ties[i] = LONG.decode(in);
        for (int c = 0; c < nc; c++) {
          values[c][i] = DOUBLE.decode(in);
        }
        for (int c = 0; c < hc; c++) {
          hashes[c][i] = LONG.decode(in);
        }
      }
      return TimeSeries.restore(nc, hc, maxTime, baseSum, basePresent, times, ties, values, hashes);
    }
  }
}
