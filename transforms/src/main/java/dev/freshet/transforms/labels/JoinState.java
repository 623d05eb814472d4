package dev.freshet.transforms.labels;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What the streaming label join keeps for one event id, in one state cell (one read and one write
 * per input rather than one per field): the event and its time once it arrived, how it was decided,
 * and the earliest outcome that came before the event. Mutable; owned by the DoFn's state.
 */
final class JoinState<T> {
  static final int UNDECIDED = 0;
  static final int BY_OUTCOME = 1;
  static final int BY_TIMEOUT = 2;

  T event;
  long eventTime;
  int decision = UNDECIDED;
  Outcome pending;

  static final class JoinStateCoder<T> extends StructuredCoder<JoinState<T>> {
    private final NullableCoder<T> eventCoder;
    private final NullableCoder<Outcome> outcomeCoder = NullableCoder.of(Outcome.OutcomeCoder.of());

    JoinStateCoder(Coder<T> eventCoder) {
      this.eventCoder = NullableCoder.of(eventCoder);
    }

    @Override
    public void encode(JoinState<T> value, OutputStream out) throws IOException {
      eventCoder.encode(value.event, out);
      VarLongCoder.of().encode(value.eventTime, out);
      VarIntCoder.of().encode(value.decision, out);
      outcomeCoder.encode(value.pending, out);
    }

    @Override
    public JoinState<T> decode(InputStream in) throws IOException {
      JoinState<T> s = new JoinState<>();
      s.event = eventCoder.decode(in);
      s.eventTime = VarLongCoder.of().decode(in);
      s.decision = VarIntCoder.of().decode(in);
      s.pending = outcomeCoder.decode(in);
      return s;
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(eventCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      eventCoder.verifyDeterministic();
    }
  }
}
