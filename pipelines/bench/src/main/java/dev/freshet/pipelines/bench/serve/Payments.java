package dev.freshet.pipelines.bench.serve;

import dev.freshet.testdata.FraudGenerator;
import dev.freshet.testdata.FraudStream;
import dev.freshet.testdata.Payment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The generated payments every system is sent, in the same order: handed out one after another,
 * starting over at the beginning when they run out.
 */
final class Payments {
  private final List<Payment> payments;

  /**
   * Where the verification events' event times start: ten minutes before generation, so every
   * system sees the same event times (and so the same per-key histories) for them.
   */
  private final long replayBaseMillis;

  private int next;

  private Payments(List<Payment> payments, long replayBaseMillis) {
    this.payments = payments;
    this.replayBaseMillis = replayBaseMillis;
  }

  /** {@code n} payments from the fraud generator; {@code riders} 0: its default population. */
  static Payments generate(long seed, int riders, int n) {
    List<Payment> out = new ArrayList<>(n);
    FraudGenerator.Builder builder = FraudGenerator.builder().seed(seed).events(n);
    if (riders > 0) {
      builder.riders(riders);
    }
    FraudGenerator generator = builder.build();
    try (FraudStream stream = generator.open()) {
      while (stream.hasNext() && out.size() < n) {
        out.add(stream.next().payment());
      }
    }
    return new Payments(out, System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(10));
  }

  int size() {
    return payments.size();
  }

  /** Starts over from the first payment, for the next system. */
  void rewind() {
    next = 0;
  }

  Payment next() {
    Payment p = payments.get(next % payments.size());
    next++;
    return p;
  }

  /** {@code p}'s generated event time, moved to start at the fixed replay base. */
  long replayedEventTime(Payment p) {
    return replayBaseMillis
        + (p.eventTime().toEpochMilli() - payments.get(0).eventTime().toEpochMilli());
  }
}
