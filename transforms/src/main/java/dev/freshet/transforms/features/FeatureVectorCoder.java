package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;

/**
 * A deterministic coder for a bare feature vector ({@code float[]}): its length, then the floats
 * bit for bit, as {@link FeaturedEvent}'s coder writes them. For side branches that carry vectors
 * without their events.
 */
public final class FeatureVectorCoder extends AtomicCoder<float[]> {
  private static final FeatureVectorCoder INSTANCE = new FeatureVectorCoder();

  private FeatureVectorCoder() {}

  public static FeatureVectorCoder of() {
    return INSTANCE;
  }

  @Override
  public void encode(float[] value, OutputStream out) throws IOException {
    FloatArrays.encode(value, out);
  }

  @Override
  public float[] decode(InputStream in) throws IOException {
    return FloatArrays.decode(in);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return false;
  }
}
