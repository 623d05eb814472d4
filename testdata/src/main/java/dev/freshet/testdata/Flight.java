package dev.freshet.testdata;

import java.time.Instant;
import java.util.Objects;

/**
 * One US domestic flight of 2001 from the vega-datasets {@code flights-3m} data (US DOT on-time
 * records).
 *
 * @param date scheduled departure; the file stores local wall-clock time without a zone, read here
 *     as if it were UTC (so {@code 2001-01-01T06:05} in the file is {@code 2001-01-01T06:05:00Z})
 * @param delay arrival delay in minutes (negative: early)
 * @param distance distance in miles
 * @param origin IATA code of the departure airport
 * @param destination IATA code of the arrival airport
 */
public record Flight(Instant date, int delay, int distance, String origin, String destination) {

  /** A flight counts as delayed when {@code delay > DELAY_THRESHOLD_MINUTES}. */
  public static final int DELAY_THRESHOLD_MINUTES = 15;

  /** Validates that no field is missing. */
  public Flight {
    Objects.requireNonNull(date, "date");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(destination, "destination");
  }

  /** The usual label: arrival delay above 15 minutes. */
  public boolean isDelayed() {
    return delay > DELAY_THRESHOLD_MINUTES;
  }
}
