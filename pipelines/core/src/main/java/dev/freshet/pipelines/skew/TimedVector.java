package dev.freshet.pipelines.skew;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** One path's feature vector of an event, with the event's time: what the skew check compares. */
public record TimedVector(long timeMillis, float[] values) {

  /** Deterministic coder: the time, then the floats bit for bit. */
  public static final class Coder extends CustomCoder<TimedVector> {
    @Override
    public void encode(TimedVector v, OutputStream out) throws IOException {
      VarLongCoder.of().encode(v.timeMillis, out);
      VarIntCoder.of().encode(v.values.length, out);
      for (float f : v.values) {
        FloatCoder.of().encode(f, out);
      }
    }

    @Override
    public TimedVector decode(InputStream in) throws IOException {
      long time = VarLongCoder.of().decode(in);
      float[] values = new float[VarIntCoder.of().decode(in)];
      for (int i = 0; i < values.length; i++) {
        values[i] = FloatCoder.of().decode(in);
      }
      return new TimedVector(time, values);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
