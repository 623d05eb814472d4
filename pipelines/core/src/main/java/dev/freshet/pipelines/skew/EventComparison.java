package dev.freshet.pipelines.skew;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.FloatCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * The verdict on one event id in one comparison: which sides had it, the columns that differ with
 * both sides' values, and, for logged predictions, the logged score and the score of the recomputed
 * vector under the same model version. The "left" side is always the bounded (batch) path; the
 * "right" side is the streaming path or the logged prediction.
 *
 * @param features indices of the differing columns (empty unless {@link Status#DIFFERENT})
 * @param left the left side's values at {@code features}
 * @param right the right side's values at {@code features}
 * @param loggedScore the score the prediction logged, NaN when there is none
 * @param rescored the recomputed vector's score under the logged model version, NaN when not scored
 * @param note why a score is missing, or which spec a mismatched prediction named; may be null
 */
public record EventComparison(
    String eventId,
    long timeMillis,
    Status status,
    int[] features,
    float[] left,
    float[] right,
    float loggedScore,
    float rescored,
    String note) {

  /** What was found for one event id. */
  public enum Status {
    /** Both sides have it and every copy agrees. */
    IDENTICAL,
    /** Both sides have it and some column differs. */
    DIFFERENT,
    /** Only the left (bounded) side has it. */
    ONLY_LEFT,
    /** Only the right side (streaming path, logged prediction) has it. */
    ONLY_RIGHT,
    /** A logged prediction made with another feature spec: its vector cannot be compared. */
    SPEC_MISMATCH
  }

  private static final int[] NONE = new int[0];
  private static final float[] EMPTY = new float[0];

  /** A comparison without differing columns or scores. */
  public static EventComparison of(String eventId, long timeMillis, Status status) {
    return new EventComparison(
        eventId, timeMillis, status, NONE, EMPTY, EMPTY, Float.NaN, Float.NaN, null);
  }

  /** The same verdict with the logged score, the rescored one and a note. */
  public EventComparison withScores(float logged, float rescoredScore, String why) {
    return new EventComparison(
        eventId, timeMillis, status, features, left, right, logged, rescoredScore, why);
  }

  /** Whether both scores are known, so that their difference is. */
  public boolean scored() {
    return !Float.isNaN(loggedScore) && !Float.isNaN(rescored);
  }

  /** Deterministic coder: fields in order, arrays length-prefixed. */
  public static final class Coder extends CustomCoder<EventComparison> {
    private static final NullableCoder<String> NOTE = NullableCoder.of(StringUtf8Coder.of());

    @Override
    public void encode(EventComparison c, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(c.eventId, out);
      VarLongCoder.of().encode(c.timeMillis, out);
      VarIntCoder.of().encode(c.status.ordinal(), out);
      VarIntCoder.of().encode(c.features.length, out);
      for (int i = 0; i < c.features.length; i++) {
        VarIntCoder.of().encode(c.features[i], out);
        FloatCoder.of().encode(c.left[i], out);
        FloatCoder.of().encode(c.right[i], out);
      }
      FloatCoder.of().encode(c.loggedScore, out);
      FloatCoder.of().encode(c.rescored, out);
      NOTE.encode(c.note, out);
    }

    @Override
    public EventComparison decode(InputStream in) throws IOException {
      String id = StringUtf8Coder.of().decode(in);
      long time = VarLongCoder.of().decode(in);
      Status status = Status.values()[VarIntCoder.of().decode(in)];
      int n = VarIntCoder.of().decode(in);
      int[] features = new int[n];
      float[] left = new float[n];
      float[] right = new float[n];
      for (int i = 0; i < n; i++) {
        features[i] = VarIntCoder.of().decode(in);
        left[i] = FloatCoder.of().decode(in);
        right[i] = FloatCoder.of().decode(in);
      }
      float logged = FloatCoder.of().decode(in);
      float rescored = FloatCoder.of().decode(in);
      return new EventComparison(
          id, time, status, features, left, right, logged, rescored, NOTE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
