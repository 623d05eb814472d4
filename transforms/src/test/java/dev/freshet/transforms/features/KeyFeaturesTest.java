package dev.freshet.transforms.features;

import static dev.freshet.transforms.testing.Payments.SPEC;
import static dev.freshet.transforms.testing.Payments.at;
import static dev.freshet.transforms.testing.Payments.payment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

/** The arithmetic of every windowed aggregate, the tie rule, eviction and out-of-order input. */
public class KeyFeaturesTest {
  private static final long LATENESS = 10 * 60_000L;
  private final KeyFeatures card = plan("card");

  private static KeyFeatures plan(String key) {
    return new KeyFeatures(SPEC, SPEC.key(key), LATENESS);
  }

  private static float[] feed(KeyFeatures kf, EntityHistory h, Row event) {
    float[] out = new float[SPEC.size()];
    long t = event.getDateTime("event_time").getMillis();
    kf.onEvent(
        h,
        t,
        StableHash.of(event.getString("event_id")),
        kf.numericValues(event),
        kf.hashedValues(event),
        out);
    return out;
  }

  private static double f(float[] v, String name) {
    return v[SPEC.indexOf(name)];
  }

  @Test
  public void everyAggregateOverHalfOpenWindows() {
    EntityHistory h = card.newHistory();
    float[] e1 = feed(card, h, payment("e1", 0, "c1", "r1", "A", 10.0));
    float[] e2 = feed(card, h, payment("e2", 5, "c1", "r1", "B", 20.0));
    float[] e3 = feed(card, h, payment("e3", 9, "c1", "r1", "A", 30.0));
    float[] e4 = feed(card, h, payment("e4", 20, "c1", "r1", "C", null));
    float[] e5 = feed(card, h, payment("e5", 90, "c1", "r1", "A", 50.0));

    // The first event sees nothing; missing values are 0, and the window length for time-since.
    assertThat(f(e1, "card_count_10m")).isZero();
    assertThat(f(e1, "card_mean_1h")).isZero();
    assertThat(f(e1, "card_since_last_1h")).isEqualTo(3600.0);

    assertThat(f(e2, "card_count_10m")).isEqualTo(1);
    assertThat(f(e2, "card_sum_1h")).isEqualTo(10);
    assertThat(f(e2, "card_since_last_1h")).isEqualTo(300);

    assertThat(f(e3, "card_count_10m")).isEqualTo(2);
    assertThat(f(e3, "card_sum_1h")).isEqualTo(30);
    assertThat(f(e3, "card_mean_1h")).isEqualTo(15);
    assertThat(f(e3, "card_min_1h")).isEqualTo(10);
    assertThat(f(e3, "card_max_1h")).isEqualTo(20);
    assertThat(f(e3, "card_last_1h")).isEqualTo(20);
    assertThat(f(e3, "card_cities_1h")).isEqualTo(2);
    assertThat(f(e3, "card_since_last_1h")).isEqualTo(240);

    // [10, 20) is empty for the 10-minute count; the 1-hour window holds e1..e3.
    assertThat(f(e4, "card_count_10m")).isZero();
    assertThat(f(e4, "card_sum_1h")).isEqualTo(60);
    assertThat(f(e4, "card_mean_1h")).isEqualTo(20);
    assertThat(f(e4, "card_max_1h")).isEqualTo(30);
    assertThat(f(e4, "card_last_1h")).isEqualTo(30);
    assertThat(f(e4, "card_cities_1h")).isEqualTo(2);
    assertThat(f(e4, "card_since_last_1h")).isEqualTo(660);

    // [30, 90) holds nothing: e4 (null amount) has left the window.
    assertThat(f(e5, "card_count_10m")).isZero();
    assertThat(f(e5, "card_sum_1h")).isZero();
    assertThat(f(e5, "card_min_1h")).isZero();
    assertThat(f(e5, "card_last_1h")).isZero();
    assertThat(f(e5, "card_since_last_1h")).isEqualTo(3600);

    // Windowed columns of other keys and event-local columns are not touched by this key.
    assertThat(f(e5, "rider_count_1h")).isZero();
    assertThat(f(e5, "amount")).isZero();
  }

  @Test
  public void nullValuesAreSkippedByMeanAndLast() {
    EntityHistory h = card.newHistory();
    feed(card, h, payment("a", 0, "c1", null, null, 10.0));
    feed(card, h, payment("b", 1, "c1", null, null, null));
    float[] c = feed(card, h, payment("c", 2, "c1", null, null, 1.0));
    assertThat(f(c, "card_count_10m")).isEqualTo(2);
    assertThat(f(c, "card_mean_1h")).isEqualTo(10);
    assertThat(f(c, "card_last_1h")).isEqualTo(10);
    assertThat(f(c, "card_cities_1h")).isEqualTo(1); // null is one value
  }

  @Test
  public void equalTimestampsNeverCountForEachOther() {
    EntityHistory h = card.newHistory();
    float[] a = feed(card, h, payment("a", 30, "c1", null, null, 50.0));
    float[] b = feed(card, h, payment("b", 30, "c1", null, null, 5.0));
    float[] c = feed(card, h, payment("c", 35, "c1", null, null, 1.0));
    assertThat(f(a, "card_count_10m")).isZero();
    assertThat(f(b, "card_count_10m")).isZero();
    assertThat(f(c, "card_count_10m")).isEqualTo(2);
    assertThat(f(c, "card_sum_1h")).isEqualTo(55);
  }

  @Test
  public void duplicateEventGetsTheSameFeaturesAndCountsOnce() {
    EntityHistory h = card.newHistory();
    feed(card, h, payment("a", 0, "c1", null, null, 1.0));
    float[] b = feed(card, h, payment("b", 1, "c1", null, null, 2.0));
    float[] again = feed(card, h, payment("b", 1, "c1", null, null, 2.0));
    float[] c = feed(card, h, payment("c", 2, "c1", null, null, 4.0));
    assertThat(again).containsExactly(b);
    assertThat(f(c, "card_count_10m")).isEqualTo(2);
    assertThat(f(c, "card_sum_1h")).isEqualTo(3);
  }

  @Test
  public void outOfOrderEventSeesOnlyEarlierEntries() {
    EntityHistory h = card.newHistory();
    feed(card, h, payment("a", 0, "c1", null, null, 10.0));
    feed(card, h, payment("b", 20, "c1", null, null, 40.0));
    float[] late = feed(card, h, payment("late", 9, "c1", null, null, 30.0));
    float[] next = feed(card, h, payment("next", 25, "c1", null, null, 1.0));
    assertThat(f(late, "card_count_10m")).isEqualTo(1);
    assertThat(f(late, "card_sum_1h")).isEqualTo(10); // b at minute 20 is in the future of 9
    assertThat(f(next, "card_sum_1h")).isEqualTo(80); // the late entry is now part of history
  }

  @Test
  public void labelsCountOnlyOnceKnown() {
    EntityHistory h = card.newHistory();
    card.onLabel(h, at(30).getMillis(), 1, 1.0);
    float[] before = feed(card, h, payment("a", 29, "c1", null, null, 1.0));
    float[] atTime = feed(card, h, payment("b", 30, "c1", null, null, 1.0));
    float[] after = feed(card, h, payment("c", 31, "c1", null, null, 1.0));
    card.onLabel(h, at(40).getMillis(), 2, 0.0);
    float[] later = feed(card, h, payment("d", 41, "c1", null, null, 1.0));
    assertThat(f(before, "card_fraud_rate_1d")).isZero();
    assertThat(f(atTime, "card_frauds_1d")).isZero();
    assertThat(f(after, "card_fraud_rate_1d")).isEqualTo(1.0);
    assertThat(f(after, "card_frauds_1d")).isEqualTo(1.0);
    assertThat(f(later, "card_fraud_rate_1d")).isEqualTo(0.5);
  }

  /**
   * Natural labels: each event's label becomes known when the key's next event happens. The latest
   * labels are read at or before the event's time, so the next event sees the previous label; the
   * half-open outcome windows do not, as before.
   */
  @Test
  public void theLatestLabelsIncludeTheOneKnownAtTheEventsTime() {
    EntityHistory h = card.newHistory();
    boolean[] labels = {true, false, false, true, true};
    float[] first = feed(card, h, payment("e0", 0, "c1", null, null, 1.0));
    assertThat(f(first, "card_last_outcome")).isEqualTo(0.5f); // no label yet: its missing value
    assertThat(f(first, "card_fraud_rate_last3")).isZero();
    for (int i = 1; i <= labels.length; i++) {
      card.onLabel(h, at(i).getMillis(), StableHash.of("e" + (i - 1)), labels[i - 1] ? 1 : 0);
      float[] next = feed(card, h, payment("e" + i, i, "c1", null, null, 1.0));
      assertThat(f(next, "card_last_outcome")).as("e%d", i).isEqualTo(labels[i - 1] ? 1f : 0f);
      int from = Math.max(0, i - 3);
      double positives = 0;
      for (int k = from; k < i; k++) {
        positives += labels[k] ? 1 : 0;
      }
      assertThat(f(next, "card_fraud_rate_last3"))
          .as("e%d", i)
          .isCloseTo(positives / (i - from), within(1e-6));
      // The half-open window still excludes the label known at exactly t.
      assertThat(f(next, "card_frauds_1d"))
          .isEqualTo(
              (float) java.util.stream.IntStream.range(0, i - 1).filter(k -> labels[k]).count());
    }
  }

  @Test
  public void theEventsOwnLabelAndLabelsPastTheHorizonAreNeverRead() {
    EntityHistory h = card.newHistory();
    card.onLabel(h, at(0).getMillis(), StableHash.of("old"), 1.0);
    // Its own label, known at its own time, is skipped: the previous one is read.
    card.onLabel(h, at(60).getMillis(), StableHash.of("own"), 0.0);
    float[] own = feed(card, h, payment("own", 60, "c1", null, null, 1.0));
    assertThat(f(own, "card_last_outcome")).isEqualTo(1f);
    assertThat(f(own, "card_fraud_rate_last3")).isEqualTo(1f);
    // 31 days on, the default 30-day horizon has passed: nothing to read.
    float[] late = feed(card, h, payment("late", 31 * 24 * 60, "c1", null, null, 1.0));
    assertThat(f(late, "card_last_outcome")).isEqualTo(0.5f);
    assertThat(f(late, "card_fraud_rate_last3")).isZero();
  }

  @Test
  public void countWindowsKeepTheirLabelsPastTheTimeWindowsButNoMore() {
    EntityHistory h = card.newHistory();
    long day = 24 * 60;
    int maxLabels = 0;
    for (int i = 0; i < 200; i++) {
      // A label every other day: outside the 1-day window, inside the 30-day horizon.
      card.onLabel(h, at(2 * day * i).getMillis(), StableHash.of("e" + i), i % 4 == 0 ? 1 : 0);
      maxLabels = Math.max(maxLabels, h.labels.size());
    }
    float[] v = feed(card, h, payment("x", 2 * day * 200, "c1", null, null, 1.0));
    // The last three labels: i = 197, 198, 199, of which 197 % 4 != 0, 198, 199 neither.
    assertThat(f(v, "card_fraud_rate_last3")).isZero();
    assertThat(f(v, "card_frauds_1d")).isZero();
    assertThat(f(v, "card_last_outcome")).isZero();
    // The three counted, one more for an event's own label, and the one being added.
    assertThat(maxLabels).isLessThanOrEqualTo(5);
  }

  @Test
  public void stateStaysBoundedByWindowPlusLateness() {
    EntityHistory h = card.newHistory();
    int maxSize = 0;
    for (int i = 0; i < 20_000; i++) {
      feed(card, h, payment("e" + i, i, "c1", null, null, 1.0));
      maxSize = Math.max(maxSize, h.events.size());
    }
    // One event a minute, 60-minute windows plus 10 minutes of lateness.
    assertThat(maxSize).isLessThanOrEqualTo(71);
  }

  @Test
  public void longStreamSumsStayExact() {
    EntityHistory h = card.newHistory();
    float[] last = null;
    for (int i = 0; i < 40_000; i++) {
      last = feed(card, h, payment("e" + i, i / 10.0, "c1", null, null, 0.1));
    }
    assertThat(f(last, "card_sum_1h")).isCloseTo(60.0, within(1e-4));
  }

  @Test
  public void coderRoundTripContinuesBitForBit() throws IOException {
    EntityHistory straight = card.newHistory();
    EntityHistory restored = card.newHistory();
    List<Row> events =
        List.of(
            payment("a", 0, "c1", null, "A", 0.1),
            payment("b", 3, "c1", null, "B", 0.7),
            payment("c", 7, "c1", null, "A", 1.3),
            payment("d", 75, "c1", null, "C", 2.9),
            payment("e", 80, "c1", null, "A", 3.3),
            payment("f", 81, "c1", null, "B", null));
    EntityHistory.Coder coder = new EntityHistory.Coder();
    for (Row e : events) {
      float[] expected = feed(card, straight, e);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      coder.encode(restored, bytes);
      restored = coder.decode(new ByteArrayInputStream(bytes.toByteArray()));
      assertThat(feed(card, restored, e)).containsExactly(expected);
    }
  }
}
