package dev.freshet.transforms.features;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.beam.sdk.coders.VarIntCoder;

/** Encodes feature vectors compactly and bit for bit: a length, then big-endian IEEE floats. */
final class FloatArrays {
  private FloatArrays() {}

  static void encode(float[] values, OutputStream out) throws IOException {
    VarIntCoder.of().encode(values.length, out);
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length);
    bytes.asFloatBuffer().put(values);
    out.write(bytes.array());
  }

  static float[] decode(InputStream in) throws IOException {
    float[] values = new float[VarIntCoder.of().decode(in)];
    byte[] bytes = in.readNBytes(4 * values.length);
    if (bytes.length != 4 * values.length) {
      throw new EOFException("truncated feature vector");
    }
    ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
    return values;
  }
}
