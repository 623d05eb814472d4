package dev.freshet.testdata;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One run of a {@link FraudGenerator}: an iterator over payments in event-time order. Memory stays
 * bounded (the rider population, the fraud episodes in progress and the chargebacks); payments are
 * made on demand. Once exhausted, {@link #chargebacks()} and {@link #summary()} are complete.
 *
 * <p>How it works: legitimate payments form a Poisson process; each fraud pattern is a Poisson
 * process of episodes, and an episode, when it starts, schedules all its payments (minutes to an
 * hour ahead) in a priority queue. The next payment is always the earliest of the three sources, so
 * the output is in event-time order and ids are assigned in that order. Every source has its own
 * random stream split from the seed, so the output is a pure function of the settings.
 */
public final class FraudStream implements Iterator<GeneratedPayment>, AutoCloseable {

  private static final double FRAUDSTER_SHARE = 0.005;
  private static final double NEW_RIDER_SHARE = 0.003;
  private static final double SHARED_CARD_SHARE = 0.01;
  private static final long RIDER_COOLDOWN = 30 * 60_000L;

  // Mean payments per episode, used to turn payment rates into episode rates.
  private static final double CARD_TESTING_SIZE = 10; // 5..15
  private static final double BURST_SIZE = 7; // 4..10
  private static final double RING_SIZE = 5.5 * 2; // 3..8 riders x 1..3 payments
  private static final double TAKEOVER_SIZE = 3; // 2..4
  private static final double CARD_TESTING_SHARE = 0.40;
  private static final double BURST_SHARE = 0.35;
  private static final double RING_SHARE = 0.25;

  private final FraudGenerator config;
  private final long startMillis;
  private final long onsetMillis; // Long.MAX_VALUE without drift
  private final int eventWidth;
  private final int riderWidth;
  private final int cardWidth;
  private final int deviceWidth;
  private final String[] cityNames;
  private final double[] cityCumWeights;

  private final SplittableRandom legitRng;
  private final SplittableRandom testingRng;
  private final SplittableRandom burstRng;
  private final SplittableRandom ringRng;
  private final SplittableRandom takeoverRng;
  private final SplittableRandom outcomeRng;

  private final List<Rider> riders = new ArrayList<>();
  private int[] legitRiders; // indices into riders
  private int legitCount;
  private final int[] fraudsters;
  private int nextRider;
  private int nextCard;
  private int nextDevice;

  private final double legitRateBefore; // payments per ms
  private final double legitRateAfter;
  private final double testingRate; // episodes per ms
  private final double burstRate;
  private final double ringRate;
  private final double takeoverRate;

  private double nextLegit;
  private double nextTesting;
  private double nextBurst;
  private double nextRing;
  private double nextTakeover;

  private final PriorityQueue<Pending> queue =
      new PriorityQueue<>(
          Comparator.comparingLong((Pending p) -> p.time).thenComparingLong(p -> p.seq));
  private long pendingSeq;

  private long emitted;
  private final List<Chargeback> chargebacks = new ArrayList<>();
  private long late;
  private long duplicates;
  private long eventsBefore;
  private long fraudBefore;
  private long eventsAfter;
  private long fraudAfter;
  private final long[] patternCounts = new long[FraudPattern.values().length];
  private Instant firstTime;
  private Instant lastTime;
  private boolean chargebacksSorted;

  FraudStream(FraudGenerator config) {
    this.config = config;
    this.startMillis = config.start().toEpochMilli();
    this.onsetMillis = config.driftOnset().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
    long n = config.events();
    this.eventWidth = Math.max(8, digits(n));
    this.riderWidth = Math.max(5, digits(config.riders() + n));
    this.cardWidth = Math.max(6, digits(config.cards() + n));
    this.deviceWidth = Math.max(5, digits(config.riders() + n));
    this.cityNames = config.cities().toArray(new String[0]);
    // Zipf-like city sizes: the first cities are the big ones.
    this.cityCumWeights = new double[cityNames.length];
    double sum = 0;
    for (int i = 0; i < cityNames.length; i++) {
      sum += 1 / StrictMath.pow(i + 1, 0.8);
      cityCumWeights[i] = sum;
    }
    for (int i = 0; i < cityNames.length; i++) {
      cityCumWeights[i] /= sum;
    }

    SplittableRandom root = new SplittableRandom(config.seed());
    SplittableRandom populationRng = root.split();
    this.legitRng = root.split();
    this.testingRng = root.split();
    this.burstRng = root.split();
    this.ringRng = root.split();
    this.takeoverRng = root.split();
    this.outcomeRng = root.split();

    this.fraudsters = buildPopulation(populationRng);

    double perMs = config.eventsPerSecond() / 1000.0;
    double fraud = config.fraudRate();
    double drift = config.driftAt() >= 0 ? config.driftFraudRate() : 0;
    this.legitRateBefore = perMs * (1 - fraud);
    this.legitRateAfter = perMs * (1 - fraud - drift);
    this.testingRate = perMs * fraud * CARD_TESTING_SHARE / CARD_TESTING_SIZE;
    this.burstRate = perMs * fraud * BURST_SHARE / BURST_SIZE;
    this.ringRate = perMs * fraud * RING_SHARE / RING_SIZE;
    this.takeoverRate = perMs * drift / TAKEOVER_SIZE;

    this.nextLegit = startMillis + exponential(legitRng, legitRateBefore);
    this.nextTesting = startMillis + exponential(testingRng, testingRate);
    this.nextBurst = startMillis + exponential(burstRng, burstRate);
    this.nextRing = startMillis + exponential(ringRng, ringRate);
    this.nextTakeover =
        onsetMillis == Long.MAX_VALUE
            ? Double.POSITIVE_INFINITY
            : onsetMillis + exponential(takeoverRng, takeoverRate);
  }

  /** A rider account. Indices are 0-based; ids are {@code index + 1}. */
  private static final class Rider {
    final int id;
    final int home;
    final int[] cities;
    int[] cards;
    final int device;
    long lastPaid = Long.MIN_VALUE / 2;

    Rider(int id, int home, int[] cities, int[] cards, int device) {
      this.id = id;
      this.home = home;
      this.cities = cities;
      this.cards = cards;
      this.device = device;
    }
  }

  /** A scheduled fraud payment. */
  private record Pending(
      long time,
      long seq,
      int rider,
      int card,
      int city,
      int device,
      double amount,
      FraudPattern pattern) {}

  private int[] buildPopulation(SplittableRandom rng) {
    int r = config.riders();
    int c = config.cards();
    for (int i = 0; i < r; i++) {
      int home = pickCity(rng);
      int extra = rng.nextDouble() < 0.5 ? 0 : rng.nextDouble() < 0.7 ? 1 : 2;
      int[] cities = new int[1 + extra];
      cities[0] = home;
      for (int k = 1; k < cities.length; k++) {
        int city;
        do {
          city = pickCity(rng);
        } while (contains(cities, k, city));
        cities[k] = city;
      }
      riders.add(new Rider(i + 1, home, cities, new int[] {i + 1}, i + 1));
    }
    nextRider = r + 1;
    nextDevice = r + 1;
    nextCard = c + 1;
    // Extra cards: each goes to a random rider that has fewer than three.
    for (int card = r + 1; card <= c; card++) {
      for (int attempt = 0; attempt < 20; attempt++) {
        Rider rider = riders.get(rng.nextInt(r));
        if (rider.cards.length < 3) {
          rider.cards = append(rider.cards, card);
          break;
        }
      }
    }
    // A few shared cards (family members): a rider also uses another rider's main card.
    int shared = (int) Math.round(r * SHARED_CARD_SHARE);
    for (int k = 0; k < shared; k++) {
      Rider rider = riders.get(rng.nextInt(r));
      Rider other = riders.get(rng.nextInt(r));
      if (rider != other && rider.cards.length < 3 && !contains(rider.cards, other.cards[0])) {
        rider.cards = append(rider.cards, other.cards[0]);
      }
    }
    // Fraudster accounts: a random few riders that never pay for a legitimate trip.
    int nFraudsters = Math.max(3, (int) Math.round(r * FRAUDSTER_SHARE));
    int[] perm = new int[r];
    for (int i = 0; i < r; i++) {
      perm[i] = i;
    }
    for (int i = 0; i < nFraudsters; i++) {
      int j = i + rng.nextInt(r - i);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int[] fraud = Arrays.copyOf(perm, nFraudsters);
    boolean[] isFraudster = new boolean[r];
    for (int f : fraud) {
      isFraudster[f] = true;
    }
    legitRiders = new int[r + 1024];
    for (int i = 0; i < r; i++) {
      if (!isFraudster[i]) {
        legitRiders[legitCount++] = i;
      }
    }
    return fraud;
  }

  @Override
  public boolean hasNext() {
    return emitted < config.events();
  }

  @Override
  public GeneratedPayment next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    while (true) {
      double episode = Math.min(Math.min(nextTesting, nextBurst), Math.min(nextRing, nextTakeover));
      long queued = queue.isEmpty() ? Long.MAX_VALUE : queue.peek().time;
      long legit = (long) nextLegit;
      if ((long) episode <= Math.min(queued, legit)) {
        startEpisode(episode);
        continue;
      }
      if (queued <= legit) {
        Pending p = queue.poll();
        return emit(p.time, p.rider, p.card, p.city, p.device, p.amount, p.pattern);
      }
      GeneratedPayment payment = legitPayment(legit);
      double rate = legit < onsetMillis ? legitRateBefore : legitRateAfter;
      nextLegit += exponential(legitRng, rate);
      return payment;
    }
  }

  private void startEpisode(double at) {
    long t = (long) at;
    if (at == nextTesting) {
      cardTesting(t);
      nextTesting += exponential(testingRng, testingRate);
    } else if (at == nextBurst) {
      stolenCardBurst(t);
      nextBurst += exponential(burstRng, burstRate);
    } else if (at == nextRing) {
      fraudRing(t);
      nextRing += exponential(ringRng, ringRate);
    } else {
      accountTakeover(t);
      nextTakeover += exponential(takeoverRng, takeoverRate);
    }
  }

  private GeneratedPayment legitPayment(long time) {
    SplittableRandom rng = legitRng;
    Rider rider;
    if (rng.nextDouble() < NEW_RIDER_SHARE) {
      int home = pickCity(rng);
      rider = new Rider(nextRider++, home, new int[] {home}, new int[] {nextCard++}, nextDevice++);
      riders.add(rider);
      if (legitCount == legitRiders.length) {
        legitRiders = Arrays.copyOf(legitRiders, legitRiders.length * 2);
      }
      legitRiders[legitCount++] = riders.size() - 1;
    } else {
      // Riders pay hours apart: one who paid less than RIDER_COOLDOWN ago rarely pays again.
      rider = riders.get(legitRiders[rng.nextInt(legitCount)]);
      for (int attempt = 0; attempt < 5 && time - rider.lastPaid < RIDER_COOLDOWN; attempt++) {
        rider = riders.get(legitRiders[rng.nextInt(legitCount)]);
      }
    }
    rider.lastPaid = time;
    int card =
        rider.cards.length == 1 || rng.nextDouble() < 0.7
            ? rider.cards[0]
            : rider.cards[1 + rng.nextInt(rider.cards.length - 1)];
    int city =
        rider.cities.length == 1 || rng.nextDouble() < 0.9
            ? rider.home
            : rider.cities[1 + rng.nextInt(rider.cities.length - 1)];
    double amount = Math.max(3.0, logNormal(rng, 20, 0.55));
    return emit(time, rider.id, card, city, rider.device, amount, FraudPattern.LEGIT);
  }

  /** A stolen card, many small payments (1 to 5) within 1 to 10 minutes, by a fraudster. */
  private void cardTesting(long t) {
    SplittableRandom rng = testingRng;
    Rider fraudster = riders.get(fraudsters[rng.nextInt(fraudsters.length)]);
    int card = stolenCard(rng);
    int n = 5 + rng.nextInt(11);
    long span = minutes(1 + rng.nextInt(10));
    for (long at : times(rng, t, span, n)) {
      double amount = 1 + 4 * rng.nextDouble();
      schedule(
          at,
          fraudster.id,
          card,
          fraudster.home,
          fraudster.device,
          amount,
          FraudPattern.CARD_TESTING);
    }
  }

  /** A stolen card, 4 to 10 large payments within 3 to 20 minutes, by a fraudster. */
  private void stolenCardBurst(long t) {
    SplittableRandom rng = burstRng;
    Rider fraudster = riders.get(fraudsters[rng.nextInt(fraudsters.length)]);
    int card = stolenCard(rng);
    int n = 4 + rng.nextInt(7);
    long span = minutes(3 + rng.nextInt(18));
    for (long at : times(rng, t, span, n)) {
      double amount = Math.max(60, logNormal(rng, 180, 0.45));
      schedule(
          at,
          fraudster.id,
          card,
          fraudster.home,
          fraudster.device,
          amount,
          FraudPattern.STOLEN_CARD_BURST);
    }
  }

  /** 3 to 8 brand-new riders sharing one new card and one device in one city within an hour. */
  private void fraudRing(long t) {
    SplittableRandom rng = ringRng;
    int members = 3 + rng.nextInt(6);
    int card = nextCard++;
    int device = nextDevice++;
    int city = pickCity(rng);
    long span = minutes(10 + rng.nextInt(51));
    // Members sign up one after another; each pays 1 to 3 times before the hour is over.
    long[] joins = times(rng, t, span / 2, members);
    for (long join : joins) {
      int rider = nextRider++;
      int payments = 1 + rng.nextInt(3);
      for (long at : times(rng, join, t + span - join, payments)) {
        double amount = Math.max(5, logNormal(rng, 35, 0.5));
        schedule(at, rider, card, city, device, amount, FraudPattern.FRAUD_RING);
      }
    }
  }

  /**
   * The drift pattern: an established rider's account pays 2 to 4 large amounts over 20 to 120
   * minutes with a new card and a new device in a city the rider never used.
   */
  private void accountTakeover(long t) {
    SplittableRandom rng = takeoverRng;
    Rider victim = riders.get(legitRiders[rng.nextInt(legitCount)]);
    for (int attempt = 0; attempt < 20 && victim.cities.length >= cityNames.length; attempt++) {
      victim = riders.get(legitRiders[rng.nextInt(legitCount)]);
    }
    int city = pickCity(rng);
    for (int attempt = 0; attempt < 100 && contains(victim.cities, city); attempt++) {
      city = pickCity(rng);
    }
    int card = nextCard++;
    int device = nextDevice++;
    int n = 2 + rng.nextInt(3);
    long span = minutes(20 + rng.nextInt(101));
    for (long at : times(rng, t, span, n)) {
      double amount = Math.max(80, logNormal(rng, 220, 0.4));
      schedule(at, victim.id, card, city, device, amount, FraudPattern.ACCOUNT_TAKEOVER);
    }
  }

  /** One of a random legitimate rider's cards. */
  private int stolenCard(SplittableRandom rng) {
    Rider owner = riders.get(legitRiders[rng.nextInt(legitCount)]);
    return owner.cards[rng.nextInt(owner.cards.length)];
  }

  private void schedule(
      long time, int rider, int card, int city, int device, double amount, FraudPattern pattern) {
    queue.add(new Pending(time, pendingSeq++, rider, card, city, device, amount, pattern));
  }

  private GeneratedPayment emit(
      long time, int rider, int card, int city, int device, double amount, FraudPattern pattern) {
    long n = ++emitted;
    String eventId = id("pay-", n, eventWidth);
    Instant eventTime = Instant.ofEpochMilli(time);
    Payment payment =
        new Payment(
            eventId,
            eventTime,
            id("rider-", rider, riderWidth),
            id("card-", card, cardWidth),
            id("trip-", n, eventWidth),
            cityNames[city],
            id("dev-", device, deviceWidth),
            Math.round(amount * 100) / 100.0);
    patternCounts[pattern.ordinal()]++;
    if (time < onsetMillis) {
      eventsBefore++;
      fraudBefore += pattern.isFraud() ? 1 : 0;
    } else {
      eventsAfter++;
      fraudAfter += pattern.isFraud() ? 1 : 0;
    }
    if (firstTime == null) {
      firstTime = eventTime;
    }
    lastTime = eventTime;
    if (pattern.isFraud()) {
      addChargebacks(eventId, time);
    }
    return new GeneratedPayment(payment, pattern);
  }

  private void addChargebacks(String eventId, long time) {
    LabelDelays d = config.labelDelays();
    SplittableRandom rng = outcomeRng;
    long delay;
    if (rng.nextDouble() < d.lateFraction()) {
      delay = uniform(rng, d.lateMin().toMillis(), d.lateMax().toMillis());
      late++;
    } else {
      delay = uniform(rng, d.min().toMillis(), d.max().toMillis());
    }
    long outcome = time + delay;
    chargebacks.add(new Chargeback(eventId, Instant.ofEpochMilli(outcome), true));
    if (rng.nextDouble() < d.duplicateFraction()) {
      long gap = uniform(rng, d.duplicateMinGap().toMillis(), d.duplicateMaxGap().toMillis());
      chargebacks.add(new Chargeback(eventId, Instant.ofEpochMilli(outcome + gap), true));
      duplicates++;
    }
  }

  /**
   * All chargebacks of the payments emitted so far, sorted by outcome time (then event id).
   *
   * @throws IllegalStateException while payments remain
   */
  public List<Chargeback> chargebacks() {
    if (hasNext()) {
      throw new IllegalStateException("chargebacks are complete only once the stream is drained");
    }
    if (!chargebacksSorted) {
      chargebacks.sort(
          Comparator.comparing(Chargeback::outcomeTime).thenComparing(Chargeback::eventId));
      chargebacksSorted = true;
    }
    return List.copyOf(chargebacks);
  }

  /** Counts so far (complete once the stream is drained). */
  public FraudSummary summary() {
    Map<FraudPattern, Long> counts = new EnumMap<>(FraudPattern.class);
    for (FraudPattern p : FraudPattern.values()) {
      counts.put(p, patternCounts[p.ordinal()]);
    }
    return new FraudSummary(
        emitted,
        onsetMillis == Long.MAX_VALUE ? null : Instant.ofEpochMilli(onsetMillis),
        eventsBefore,
        fraudBefore,
        eventsAfter,
        fraudAfter,
        counts,
        chargebacks.size(),
        late,
        duplicates,
        firstTime,
        lastTime);
  }

  /** Number of payments emitted so far. */
  public long emitted() {
    return emitted;
  }

  /** Nothing to release; present so a stream can sit in try-with-resources. */
  @Override
  public void close() {}

  private int pickCity(SplittableRandom rng) {
    double u = rng.nextDouble();
    for (int i = 0; i < cityCumWeights.length; i++) {
      if (u < cityCumWeights[i]) {
        return i;
      }
    }
    return cityCumWeights.length - 1;
  }

  /** {@code n} sorted times uniformly in {@code [t, t + span]}. */
  private static long[] times(SplittableRandom rng, long t, long span, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = t + (long) (rng.nextDouble() * span);
    }
    Arrays.sort(out);
    return out;
  }

  private static long minutes(long m) {
    return m * 60_000L;
  }

  private static long uniform(SplittableRandom rng, long min, long max) {
    return min + (long) (rng.nextDouble() * (max - min));
  }

  /** Exponential waiting time for a rate per millisecond (infinite for rate 0). */
  private static double exponential(SplittableRandom rng, double ratePerMs) {
    if (ratePerMs <= 0) {
      return Double.POSITIVE_INFINITY;
    }
    return -StrictMath.log(1 - rng.nextDouble()) / ratePerMs;
  }

  /** Log-normal with the given median; Box-Muller so the result never depends on the JDK. */
  private static double logNormal(SplittableRandom rng, double median, double sigma) {
    double u1 = 1 - rng.nextDouble();
    double u2 = rng.nextDouble();
    double z = StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    return median * StrictMath.exp(sigma * z);
  }

  private static boolean contains(int[] a, int len, int v) {
    for (int i = 0; i < len; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(int[] a, int v) {
    return contains(a, a.length, v);
  }

  private static int[] append(int[] a, int v) {
    int[] b = Arrays.copyOf(a, a.length + 1);
    b[a.length] = v;
    return b;
  }

  private static int digits(long n) {
    return Long.toString(Math.max(1, n)).length();
  }

  private static String id(String prefix, long n, int width) {
    String digits = Long.toString(n);
    StringBuilder sb = new StringBuilder(prefix.length() + Math.max(width, digits.length()));
    sb.append(prefix);
    for (int i = digits.length(); i < width; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }
}
