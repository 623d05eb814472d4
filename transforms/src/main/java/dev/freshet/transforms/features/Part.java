package dev.freshet.transforms.features;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.values.Row;

/**
 * One piece of an event's feature vector, on its way to assembly: the base (stage {@value #BASE},
 * carrying the event and its event-local features) or the columns computed by one entity key's
 * stage (no event, to keep the shuffle small).
 */
final class Part {
  static final int BASE = -1;

  final int stage;
  final Row event;
  final float[] features;

  Part(int stage, Row event, float[] features) {
    this.stage = stage;
    this.event = event;
    this.features = features;
  }

  static final class PartCoder extends CustomCoder<Part> {
    private final NullableCoder<Row> rowCoder;

    PartCoder(Coder<Row> rowCoder) {
      this.rowCoder = NullableCoder.of(rowCoder);
    }

    @Override
    public void encode(Part value, OutputStream out) throws IOException {
      VarIntCoder.of().encode(value.stage, out);
      rowCoder.encode(value.event, out);
      VarIntCoder.of().encode(value.features.length, out);
      ByteBuffer bytes = ByteBuffer.allocate(4 * value.features.length);
      bytes.asFloatBuffer().put(value.features);
      out.write(bytes.array());
    }

    @Override
    public Part decode(InputStream in) throws IOException {
      int stage = VarIntCoder.of().decode(in);
      Row event = rowCoder.decode(in);
      float[] features = new float[VarIntCoder.of().decode(in)];
      byte[] bytes = in.readNBytes(4 * features.length);
      if (bytes.length != 4 * features.length) {
        throw new EOFException("truncated feature part");
      }
      ByteBuffer.wrap(bytes).asFloatBuffer().get(features);
      return new Part(stage, event, features);
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(rowCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      rowCoder.verifyDeterministic();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PartCoder other && rowCoder.equals(other.rowCoder);
    }

    @Override
    public int hashCode() {
      return rowCoder.hashCode();
    }
  }
}
