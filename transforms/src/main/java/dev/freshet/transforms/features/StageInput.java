package dev.freshet.transforms.features;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What one entity key's stage receives: an event to featurise, projected to the values this key
 * aggregates (not the whole event, which would be shipped once per key), or a label that became
 * known for one of the key's events. {@code tie} (a stable hash of the record id) orders equal
 * times; {@link #phase} orders what happens at one time: outcomes, then events, then timeouts (an
 * event-time timer fires once everything at its time has passed).
 */
final class StageInput {
  private static final double[] NO_VALUES = new double[0];
  private static final long[] NO_HASHES = new long[0];

  private final long time;
  private final long tie;
  private final String id;
  private final double[] values;
  private final long[] hashes;
  private final double label;
  private final int phase;

  private static final int OUTCOME = 0;
  private static final int EVENT = 1;
  private static final int TIMEOUT = 2;

  private StageInput(
      long time, long tie, String id, double[] values, long[] hashes, double label, int phase) {
    this.time = time;
    this.tie = tie;
    this.id = id;
    this.values = values;
    this.hashes = hashes;
    this.label = label;
    this.phase = phase;
  }

  static StageInput event(long time, long tie, String id, double[] values, long[] hashes) {
    return new StageInput(time, tie, id, values, hashes, Double.NaN, EVENT);
  }

  /** A label known at {@code time}: from an outcome, or from the label window's timeout. */
  static StageInput label(long time, long tie, double label, boolean timedOut) {
    return new StageInput(
        time, tie, null, NO_VALUES, NO_HASHES, label, timedOut ? TIMEOUT : OUTCOME);
  }

  boolean isEvent() {
    return phase == EVENT;
  }

  /** Order at equal times: an outcome's label, then events, then a timeout's label. */
  int phase() {
    return phase;
  }

  /** The event id (events only). */
  String id() {
    return id;
  }

  double[] values() {
    return values;
  }

  long[] hashes() {
    return hashes;
  }

  long time() {
    return time;
  }

  long tie() {
    return tie;
  }

  double label() {
    return label;
  }

  /** Deterministic coder for {@link StageInput}. */
  static final class StageInputCoder extends AtomicCoder<StageInput> {
    @Override
    public void encode(StageInput value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value.time, out);
      BigEndianLongCoder.of().encode(value.tie, out);
      VarIntCoder.of().encode(value.phase, out);
      if (value.isEvent()) {
        StringUtf8Coder.of().encode(value.id, out);
        VarIntCoder.of().encode(value.values.length, out);
        for (double v : value.values) {
          DoubleCoder.of().encode(v, out);
        }
        VarIntCoder.of().encode(value.hashes.length, out);
        for (long h : value.hashes) {
          BigEndianLongCoder.of().encode(h, out);
        }
      } else {
        DoubleCoder.of().encode(value.label, out);
      }
    }

    @Override
    public StageInput decode(InputStream in) throws IOException {
      long time = VarLongCoder.of().decode(in);
      long tie = BigEndianLongCoder.of().decode(in);
      int phase = VarIntCoder.of().decode(in);
      if (phase != EVENT) {
        return label(time, tie, DoubleCoder.of().decode(in), phase == TIMEOUT);
      }
      String id = StringUtf8Coder.of().decode(in);
      double[] values = new double[VarIntCoder.of().decode(in)];
      for (int i = 0; i < values.length; i++) {
        values[i] = DoubleCoder.of().decode(in);
      }
      long[] hashes = new long[VarIntCoder.of().decode(in)];
      for (int i = 0; i < hashes.length; i++) {
        hashes[i] = BigEndianLongCoder.of().decode(in);
      }
      return event(time, tie, id, values, hashes);
    }
  }
}
