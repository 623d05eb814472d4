package dev.freshet.testdata;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Seeded generator of a ride-sharing payment stream with fraud and a configurable drift.
 *
 * <p>Riders take trips in cities and pay with cards (1 to 3 cards each; a few cards are shared).
 * Legitimate payments are log-normal around 20, mostly in the rider's home city, hours apart per
 * rider. From the start the stream contains three fraud patterns ({@link
 * FraudPattern#CARD_TESTING}, {@link FraudPattern#STOLEN_CARD_BURST}, {@link
 * FraudPattern#FRAUD_RING}); from the drift onset a fourth one appears that the early data never
 * shows ({@link FraudPattern#ACCOUNT_TAKEOVER}). Each fraudulent payment gets a {@link Chargeback}
 * hours later (see {@link LabelDelays}); legitimate payments get none.
 *
 * <p>The same settings and seed always produce the same stream. Use {@link #open()} to stream any
 * number of payments in event-time order with bounded memory (only chargebacks are buffered), or
 * {@link #generate()} to get everything in memory.
 *
 * <pre>{@code
 * FraudGenerator gen = FraudGenerator.builder().seed(42).events(20_000).build();
 * try (FraudStream stream = gen.open()) {
 *   stream.forEachRemaining(p -> ...);
 *   List<Chargeback> outcomes = stream.chargebacks();
 * }
 * }</pre>
 */
public final class FraudGenerator {

  /** Default start of the stream: 2026-01-05T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-05T00:00:00Z");

  /** Default mean number of payments per second of stream (event) time. */
  public static final double DEFAULT_EVENTS_PER_SECOND = 20;

  /** Default drift onset, as a fraction of the stream's expected duration. */
  public static final double DEFAULT_DRIFT_AT = 0.5;

  /** Default share of payments that are fraudulent before the drift onset. */
  public static final double DEFAULT_FRAUD_RATE = 0.03;

  /** Default number of cities. */
  public static final int DEFAULT_CITIES = 12;

  /** Mean time between two payments of one legitimate rider, used for the default rider count. */
  public static final Duration RIDER_MEAN_INTERVAL = Duration.ofHours(4);

  static final List<String> CITY_NAMES =
      List.of(
          "lisbon",
          "madrid",
          "paris",
          "london",
          "berlin",
          "amsterdam",
          "barcelona",
          "milan",
          "porto",
          "lyon",
          "munich",
          "dublin",
          "rome",
          "vienna",
          "prague",
          "warsaw",
          "brussels",
          "copenhagen",
          "stockholm",
          "athens");

  private final long seed;
  private final long events;
  private final Instant start;
  private final double eventsPerSecond;
  private final int riders;
  private final int cards;
  private final List<String> cities;
  private final double driftAt;
  private final double fraudRate;
  private final double driftFraudRate;
  private final LabelDelays labelDelays;

  private FraudGenerator(Builder b) {
    this.seed = b.seed;
    this.events = b.events;
    this.start = b.start;
    this.eventsPerSecond = b.eventsPerSecond;
    this.riders =
        b.riders > 0
            ? b.riders
            : (int) Math.max(50, Math.round(b.eventsPerSecond * RIDER_MEAN_INTERVAL.toSeconds()));
    this.cards = b.cards > 0 ? b.cards : 2 * this.riders;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < b.cities; i++) {
      names.add(i < CITY_NAMES.size() ? CITY_NAMES.get(i) : String.format("city-%03d", i + 1));
    }
    this.cities = List.copyOf(names);
    this.driftAt = b.driftAt;
    this.fraudRate = b.fraudRate;
    this.driftFraudRate = Double.isNaN(b.driftFraudRate) ? b.fraudRate / 2 : b.driftFraudRate;
    this.labelDelays = b.labelDelays;
    if (cards < riders) {
      throw new IllegalArgumentException(
          "need at least one card per rider: cards=" + cards + " riders=" + riders);
    }
    if (driftAt >= 0 && fraudRate + driftFraudRate >= 1) {
      throw new IllegalArgumentException("fraudRate + driftFraudRate must stay below 1");
    }
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a new stream of {@link #events()} payments; each call replays the same stream. */
  public FraudStream open() {
    return new FraudStream(this);
  }

  /** Generates the whole stream in memory (for tests and small streams). */
  public FraudDataset generate() {
    try (FraudStream stream = open()) {
      List<GeneratedPayment> payments = new ArrayList<>((int) Math.min(events, 10_000_000));
      stream.forEachRemaining(payments::add);
      return new FraudDataset(payments, stream.chargebacks(), stream.summary());
    }
  }

  /**
   * When the drift pattern starts: {@code start + driftAt * events / eventsPerSecond}, that is the
   * given fraction of the stream's expected duration; empty when drift is off.
   */
  public Optional<Instant> driftOnset() {
    if (driftAt < 0) {
      return Optional.empty();
    }
    return Optional.of(start.plusMillis(Math.round(driftAt * expectedDurationMillis())));
  }

  /** Expected duration of the stream in milliseconds: {@code events / eventsPerSecond}. */
  public double expectedDurationMillis() {
    return events / eventsPerSecond * 1000.0;
  }

  /** The seed. */
  public long seed() {
    return seed;
  }

  /** Number of payments the stream has. */
  public long events() {
    return events;
  }

  /** Start of the stream (the first payment comes shortly after). */
  public Instant start() {
    return start;
  }

  /** Mean number of payments per second of event time. */
  public double eventsPerSecond() {
    return eventsPerSecond;
  }

  /** Number of riders at the start (new riders sign up during the stream). */
  public int riders() {
    return riders;
  }

  /** Number of cards at the start (new cards appear with new riders and some fraud). */
  public int cards() {
    return cards;
  }

  /** City names in use. */
  public List<String> cities() {
    return cities;
  }

  /** Drift onset as a fraction of the stream; negative means no drift. */
  public double driftAt() {
    return driftAt;
  }

  /** Share of payments that are fraudulent before the drift onset. */
  public double fraudRate() {
    return fraudRate;
  }

  /** Additional share of payments from the drift pattern after the onset. */
  public double driftFraudRate() {
    return driftFraudRate;
  }

  /** Chargeback delays. */
  public LabelDelays labelDelays() {
    return labelDelays;
  }

  /** Builder for {@link FraudGenerator}; every setting has a default. */
  public static final class Builder {
    private long seed = 42;
    private long events = 20_000;
    private Instant start = DEFAULT_START;
    private double eventsPerSecond = DEFAULT_EVENTS_PER_SECOND;
    private int riders = 0;
    private int cards = 0;
    private int cities = DEFAULT_CITIES;
    private double driftAt = DEFAULT_DRIFT_AT;
    private double fraudRate = DEFAULT_FRAUD_RATE;
    private double driftFraudRate = Double.NaN;
    private LabelDelays labelDelays = LabelDelays.DEFAULT;

    private Builder() {}

    /** Random seed (default 42). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Number of payments (default 20,000). */
    public Builder events(long events) {
      if (events < 0) {
        throw new IllegalArgumentException("events must be >= 0: " + events);
      }
      this.events = events;
      return this;
    }

    /** Start of the stream (default 2026-01-05T00:00:00Z). */
    public Builder start(Instant start) {
      this.start = Objects.requireNonNull(start, "start");
      return this;
    }

    /** Mean payments per second of event time (default 20). */
    public Builder eventsPerSecond(double eventsPerSecond) {
      if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
        throw new IllegalArgumentException("eventsPerSecond must be > 0: " + eventsPerSecond);
      }
      this.eventsPerSecond = eventsPerSecond;
      return this;
    }

    /**
     * Number of riders at the start (default: {@code eventsPerSecond * 4 h}, at least 50, so that a
     * rider pays every few hours).
     */
    public Builder riders(int riders) {
      if (riders < 10) {
        throw new IllegalArgumentException("riders must be >= 10: " + riders);
      }
      this.riders = riders;
      return this;
    }

    /** Number of cards at the start, at least one per rider (default: two per rider). */
    public Builder cards(int cards) {
      if (cards < 10) {
        throw new IllegalArgumentException("cards must be >= 10: " + cards);
      }
      this.cards = cards;
      return this;
    }

    /** Number of cities (default 12). */
    public Builder cities(int cities) {
      if (cities < 3) {
        throw new IllegalArgumentException("cities must be >= 3: " + cities);
      }
      this.cities = cities;
      return this;
    }

    /**
     * Drift onset as a fraction of the stream's expected duration (default 0.5); negative turns
     * drift off.
     */
    public Builder driftAt(double driftAt) {
      if (Double.isNaN(driftAt) || driftAt > 1) {
        throw new IllegalArgumentException("driftAt must be <= 1 (negative: none): " + driftAt);
      }
      this.driftAt = driftAt;
      return this;
    }

    /** Share of payments that are fraudulent before the onset (default 0.03). */
    public Builder fraudRate(double fraudRate) {
      if (!(fraudRate >= 0 && fraudRate < 0.5)) {
        throw new IllegalArgumentException("fraudRate must be in [0, 0.5): " + fraudRate);
      }
      this.fraudRate = fraudRate;
      return this;
    }

    /**
     * Additional share of payments from the new pattern after the onset (default: half of {@link
     * #fraudRate(double)}).
     */
    public Builder driftFraudRate(double driftFraudRate) {
      if (!(driftFraudRate >= 0 && driftFraudRate < 0.5)) {
        throw new IllegalArgumentException("driftFraudRate must be in [0, 0.5): " + driftFraudRate);
      }
      this.driftFraudRate = driftFraudRate;
      return this;
    }

    /** Chargeback delays (default {@link LabelDelays#DEFAULT}). */
    public Builder labelDelays(LabelDelays labelDelays) {
      this.labelDelays = Objects.requireNonNull(labelDelays, "labelDelays");
      return this;
    }

    /** Builds the generator. */
    public FraudGenerator build() {
      return new FraudGenerator(this);
    }
  }
}
