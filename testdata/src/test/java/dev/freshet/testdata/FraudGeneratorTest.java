package dev.freshet.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.BeforeClass;
import org.junit.Test;

public class FraudGeneratorTest {

  /** A mid-sized stream shared by the tests that only read it. */
  private static FraudGenerator generator;

  private static FraudDataset data;

  @BeforeClass
  public static void generateOnce() {
    generator = FraudGenerator.builder().seed(7).events(200_000).build();
    data = generator.generate();
  }

  @Test
  public void sameSeedGivesSameStreamAndDifferentSeedDoesNot() {
    FraudGenerator.Builder b = FraudGenerator.builder().events(5_000).eventsPerSecond(0.5);
    FraudDataset a = b.seed(1).build().generate();
    FraudDataset again = b.seed(1).build().generate();
    FraudDataset other = b.seed(2).build().generate();

    assertThat(again.payments()).isEqualTo(a.payments());
    assertThat(again.chargebacks()).isEqualTo(a.chargebacks());
    assertThat(other.payments()).isNotEqualTo(a.payments());
    assertThat(other.payments().get(0).payment()).isNotEqualTo(a.payments().get(0).payment());
  }

  @Test
  public void eventsAreInTimeOrderWithUniqueIncreasingIds() {
    List<Payment> payments = payments(data);
    assertThat(payments).hasSize(200_000);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < payments.size(); i++) {
      Payment p = payments.get(i);
      assertThat(ids.add(p.eventId())).as("unique id %s", p.eventId()).isTrue();
      if (i > 0) {
        Payment prev = payments.get(i - 1);
        assertThat(p.eventTime()).isAfterOrEqualTo(prev.eventTime());
        assertThat(p.eventId()).isGreaterThan(prev.eventId());
        assertThat(p.tripId()).isGreaterThan(prev.tripId());
      }
    }
    assertThat(payments.get(0).eventId()).isEqualTo("pay-00000001");
    assertThat(payments.get(0).eventTime()).isAfter(FraudGenerator.DEFAULT_START);
    // About events / rate of stream time: 200,000 / 20 per second = 10,000 s.
    Duration span = Duration.between(generator.start(), payments.get(199_999).eventTime());
    assertThat(span.toSeconds()).isBetween(9_500L, 10_500L);
  }

  @Test
  public void fraudRateIsInRangeAndSummaryAgrees() {
    long fraud = data.payments().stream().filter(GeneratedPayment::isFraud).count();
    double rate = fraud / 200_000.0;
    assertThat(rate).isBetween(0.02, 0.05);
    FraudSummary s = data.summary();
    assertThat(s.events()).isEqualTo(200_000);
    assertThat(s.fraudEvents()).isEqualTo(fraud);
    assertThat(s.fraudRateBeforeOnset()).isBetween(0.02, 0.04);
    assertThat(s.fraudRateAfterOnset()).isBetween(0.035, 0.055);
    assertThat(s.eventsBeforeOnset() + s.eventsAfterOnset()).isEqualTo(200_000);
    assertThat(s.patternCounts().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(200_000);
  }

  @Test
  public void driftPatternAppearsOnlyAfterTheOnset() {
    Instant onset = generator.driftOnset().orElseThrow();
    assertThat(onset).isEqualTo(generator.start().plusSeconds(5_000));
    Map<FraudPattern, Long> before = patternCounts(data, p -> p.eventTime().isBefore(onset));
    Map<FraudPattern, Long> after = patternCounts(data, p -> !p.eventTime().isBefore(onset));

    assertThat(before.getOrDefault(FraudPattern.ACCOUNT_TAKEOVER, 0L)).isZero();
    long afterFraud =
        after.entrySet().stream()
            .filter(e -> e.getKey().isFraud())
            .mapToLong(Map.Entry::getValue)
            .sum();
    assertThat(after.getOrDefault(FraudPattern.ACCOUNT_TAKEOVER, 0L)).isGreaterThan(afterFraud / 5);
    // The early patterns go on after the onset.
    for (FraudPattern p :
        List.of(
            FraudPattern.CARD_TESTING, FraudPattern.STOLEN_CARD_BURST, FraudPattern.FRAUD_RING)) {
      assertThat(before.getOrDefault(p, 0L)).as("%s before", p).isGreaterThan(100);
      assertThat(after.getOrDefault(p, 0L)).as("%s after", p).isGreaterThan(100);
    }
  }

  @Test
  public void withoutDriftTheNewPatternNeverAppears() {
    FraudDataset noDrift =
        FraudGenerator.builder().seed(7).events(50_000).driftAt(-1).build().generate();
    assertThat(noDrift.summary().driftOnset()).isNull();
    assertThat(noDrift.summary().patternCounts().get(FraudPattern.ACCOUNT_TAKEOVER)).isZero();
    assertThat(noDrift.summary().fraudRate()).isBetween(0.02, 0.04);
  }

  @Test
  public void accountTakeoverUsesANewCardInACityTheRiderNeverUsed() {
    Map<String, Set<String>> cities = new HashMap<>();
    Map<String, Set<String>> cards = new HashMap<>();
    Set<String> allCards = new HashSet<>();
    Set<String> episodes = new HashSet<>();
    int checked = 0;
    for (GeneratedPayment g : data.payments()) {
      Payment p = g.payment();
      if (g.pattern() == FraudPattern.ACCOUNT_TAKEOVER) {
        assertThat(p.amount()).isGreaterThanOrEqualTo(80);
        // The first payment of an episode by a rider with a legitimate history.
        if (episodes.add(p.riderId() + "@" + p.cardId()) && cities.containsKey(p.riderId())) {
          assertThat(cities.get(p.riderId())).doesNotContain(p.city());
          assertThat(cards.get(p.riderId())).doesNotContain(p.cardId());
          assertThat(allCards.contains(p.cardId())).as("card %s is new", p.cardId()).isFalse();
          checked++;
        }
      } else if (g.pattern() == FraudPattern.LEGIT) {
        cities.computeIfAbsent(p.riderId(), k -> new HashSet<>()).add(p.city());
        cards.computeIfAbsent(p.riderId(), k -> new HashSet<>()).add(p.cardId());
      }
      allCards.add(p.cardId());
    }
    assertThat(checked).isGreaterThan(100);
  }

  @Test
  public void earlyPatternsShowInWindowedCounts() {
    // Payments of the same card in the 10 minutes before: many for card testing and bursts,
    // almost never for legitimate payments.
    Map<String, List<Instant>> byCard = new HashMap<>();
    Map<FraudPattern, long[]> busy = new HashMap<>();
    for (GeneratedPayment g : data.payments()) {
      Payment p = g.payment();
      List<Instant> times = byCard.computeIfAbsent(p.cardId(), k -> new ArrayList<>());
      Instant from = p.eventTime().minus(Duration.ofMinutes(10));
      long recent = times.stream().filter(t -> !t.isBefore(from)).count();
      long[] c = busy.computeIfAbsent(g.pattern(), k -> new long[2]);
      c[0]++;
      c[1] += recent >= 2 ? 1 : 0;
      times.add(p.eventTime());
      if (times.size() > 30) {
        times.remove(0);
      }
    }
    assertThat(share(busy.get(FraudPattern.LEGIT))).isLessThan(0.002);
    assertThat(share(busy.get(FraudPattern.CARD_TESTING))).isGreaterThan(0.6);
    assertThat(share(busy.get(FraudPattern.STOLEN_CARD_BURST))).isGreaterThan(0.5);
    assertThat(share(busy.get(FraudPattern.FRAUD_RING))).isGreaterThan(0.3);
    // The drift pattern is spread out: the early signal mostly misses it.
    assertThat(share(busy.get(FraudPattern.ACCOUNT_TAKEOVER))).isLessThan(0.3);
  }

  @Test
  public void cardTestingIsSmallAmountsAndRingsShareOneCardAcrossNewRiders() {
    Map<String, Set<String>> ringRiders = new HashMap<>();
    for (GeneratedPayment g : data.payments()) {
      Payment p = g.payment();
      if (g.pattern() == FraudPattern.CARD_TESTING) {
        assertThat(p.amount()).isBetween(1.0, 5.0);
      }
      if (g.pattern() == FraudPattern.FRAUD_RING) {
        ringRiders.computeIfAbsent(p.cardId(), k -> new HashSet<>()).add(p.riderId());
      }
    }
    assertThat(ringRiders).isNotEmpty();
    long withThreeOrMore = ringRiders.values().stream().filter(s -> s.size() >= 3).count();
    assertThat(withThreeOrMore).isGreaterThan(ringRiders.size() * 9L / 10);
  }

  @Test
  public void onlyFraudGetsChargebacksWithinTheDelayBounds() {
    Map<String, Payment> fraud = new HashMap<>();
    for (GeneratedPayment g : data.payments()) {
      if (g.isFraud()) {
        fraud.put(g.payment().eventId(), g.payment());
      }
    }
    LabelDelays d = LabelDelays.DEFAULT;
    Map<String, List<Chargeback>> byEvent =
        data.chargebacks().stream().collect(Collectors.groupingBy(Chargeback::eventId));
    assertThat(byEvent.keySet()).isEqualTo(fraud.keySet());

    long late = 0;
    long duplicates = 0;
    for (Map.Entry<String, List<Chargeback>> e : byEvent.entrySet()) {
      List<Chargeback> cbs = e.getValue();
      assertThat(cbs.size()).isBetween(1, 2);
      Chargeback first = cbs.get(0);
      assertThat(first.label()).isTrue();
      Duration delay = Duration.between(fraud.get(e.getKey()).eventTime(), first.outcomeTime());
      boolean normal = delay.compareTo(d.min()) >= 0 && delay.compareTo(d.max()) <= 0;
      boolean isLate = delay.compareTo(d.lateMin()) >= 0 && delay.compareTo(d.lateMax()) <= 0;
      assertThat(normal || isLate).as("delay %s of %s", delay, e.getKey()).isTrue();
      late += isLate ? 1 : 0;
      if (cbs.size() == 2) {
        duplicates++;
        Chargeback dup = cbs.get(1);
        assertThat(dup.eventId()).isEqualTo(first.eventId());
        assertThat(dup.outcomeTime()).isAfter(first.outcomeTime());
        assertThat(Duration.between(first.outcomeTime(), dup.outcomeTime()))
            .isBetween(d.duplicateMinGap(), d.duplicateMaxGap());
      }
    }
    // Expected proportions: 1 % late, 0.5 % duplicated; allow four standard deviations.
    int n = fraud.size();
    assertThat((double) late)
        .isBetween(n * 0.01 - 4 * Math.sqrt(n * 0.01), n * 0.01 + 4 * Math.sqrt(n * 0.01));
    assertThat(late).isGreaterThan(0);
    assertThat((double) duplicates)
        .isBetween(n * 0.005 - 4 * Math.sqrt(n * 0.005), n * 0.005 + 4 * Math.sqrt(n * 0.005));
    assertThat(duplicates).isGreaterThan(0);
    assertThat(data.summary().lateChargebacks()).isEqualTo(late);
    assertThat(data.summary().duplicateChargebacks()).isEqualTo(duplicates);
    assertThat(data.summary().chargebacks()).isEqualTo(data.chargebacks().size());
  }

  @Test
  public void chargebacksAreSortedByOutcomeTime() {
    List<Chargeback> cbs = data.chargebacks();
    for (int i = 1; i < cbs.size(); i++) {
      assertThat(cbs.get(i).outcomeTime()).isAfterOrEqualTo(cbs.get(i - 1).outcomeTime());
    }
  }

  @Test
  public void streamingGivesTheSameAsInMemory() {
    FraudGenerator g = FraudGenerator.builder().seed(3).events(3_000).build();
    List<GeneratedPayment> streamed = new ArrayList<>();
    try (FraudStream s = g.open()) {
      s.forEachRemaining(streamed::add);
      assertThat(s.chargebacks()).isEqualTo(g.generate().chargebacks());
    }
    assertThat(streamed).isEqualTo(g.generate().payments());
  }

  private static double share(long[] c) {
    return c == null || c[0] == 0 ? 0 : (double) c[1] / c[0];
  }

  private static List<Payment> payments(FraudDataset d) {
    return d.payments().stream().map(GeneratedPayment::payment).toList();
  }

  private static Map<FraudPattern, Long> patternCounts(
      FraudDataset d, java.util.function.Predicate<Payment> filter) {
    return d.payments().stream()
        .filter(g -> filter.test(g.payment()))
        .collect(Collectors.groupingBy(GeneratedPayment::pattern, Collectors.counting()));
  }
}
