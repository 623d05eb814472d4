package dev.freshet.transforms.features;

import java.util.Arrays;

/**
 * The recent history of one entity key: entries ordered by (time, tie-break), each with numeric
 * values and hashed values, plus running sums so that COUNT, SUM and MEAN over any window cost
 * {@code O(log n)}.
 *
 * <p>Entries are kept in a deterministic order whatever order they arrive in (ties broken by a hash
 * of the record id), and the running sums depend only on the entries since the buffer was last
 * empty. So two paths that feed the same entries in event-time order compute bit-identical
 * features, even if they evict at different moments. Plain Java: the Beam DoFns only store it.
 */
final class TimeSeries {
  private long[] times;
  private long[] ties;
  private double[][] values;
  private double[][] sums; // sums[c][i] = base[c] + values of column c up to and including i
  private double[][] present; // the same for the count of non-NaN values
  private long[][] hashes;
  private final double[] baseSum;
  private final double[] basePresent;
  private int head;
  private int tail;
  private long maxTime = Long.MIN_VALUE;

  TimeSeries(int numericColumns, int hashColumns) {
    this(numericColumns, hashColumns, 8);
  }

  private TimeSeries(int numericColumns, int hashColumns, int capacity) {
    times = new long[capacity];
    ties = new long[capacity];
    values = new double[numericColumns][capacity];
    sums = new double[numericColumns][capacity];
    present = new double[numericColumns][capacity];
    hashes = new long[hashColumns][capacity];
    baseSum = new double[numericColumns];
    basePresent = new double[numericColumns];
  }

  int size() {
    return tail - head;
  }

  int numericColumns() {
    return values.length;
  }

  int hashColumns() {
    return hashes.length;
  }

  /** The greatest time ever added (not reset by eviction). */
  long maxTime() {
    return maxTime;
  }

  void observe(long time) {
    maxTime = Math.max(maxTime, time);
  }

  /** Drops entries older than {@code horizon}; an emptied buffer restarts its sums from zero. */
  void evictBefore(long horizon) {
    int k = lowerBound(horizon);
    if (k == head) {
      return;
    }
    if (k == tail) {
      head = 0;
      tail = 0;
      Arrays.fill(baseSum, 0);
      Arrays.fill(basePresent, 0);
      return;
    }
    for (int c = 0; c < values.length; c++) {
      baseSum[c] = sums[c][k - 1];
      basePresent[c] = present[c][k - 1];
    }
    head = k;
  }

  /**
   * Adds an entry in (time, tie) order; {@code numeric} and {@code hashed} are copied. An entry
   * with the same time and tie as one already held is a duplicate record and is not added again.
   *
   * @return whether the entry was added
   */
  boolean add(long time, long tie, double[] numeric, long[] hashed) {
    observe(time);
    int pos = tail;
    while (pos > head
        && (times[pos - 1] > time || (times[pos - 1] == time && ties[pos - 1] > tie))) {
      pos--;
    }
    if (pos > head && times[pos - 1] == time && ties[pos - 1] == tie) {
      return false;
    }
    if (tail == times.length) {
      int shift = head;
      ensureCapacity();
      pos -= shift;
    }
    if (pos < tail) {
      shiftRight(pos);
    }
    times[pos] = time;
    ties[pos] = tie;
    for (int c = 0; c < values.length; c++) {
      values[c][pos] = numeric[c];
    }
    for (int c = 0; c < hashes.length; c++) {
      hashes[c][pos] = hashed[c];
    }
    tail++;
    recomputeSums(pos);
    return true;
  }

  /** Index of the first entry with time {@code >= time} (or {@code end()}). */
  int lowerBound(long time) {
    int lo = head;
    int hi = tail;
    if (hi > lo && times[hi - 1] < time) {
      return hi; // the common case: querying at the newest time
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[mid] < time) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  int start() {
    return head;
  }

  int end() {
    return tail;
  }

  long time(int i) {
    return times[i];
  }

  double value(int column, int i) {
    return values[column][i];
  }

  long hash(int column, int i) {
    return hashes[column][i];
  }

  /** Sum of column {@code c} over entries {@code [lo, hi)}, ignoring NaN. */
  double sum(int c, int lo, int hi) {
    if (hi <= lo) {
      return 0;
    }
    return sums[c][hi - 1] - (lo == head ? baseSum[c] : sums[c][lo - 1]);
  }

  /** Number of non-NaN values of column {@code c} over {@code [lo, hi)}. */
  double presentCount(int c, int lo, int hi) {
    if (hi <= lo) {
      return 0;
    }
    return present[c][hi - 1] - (lo == head ? basePresent[c] : present[c][lo - 1]);
  }

  private void recomputeSums(int from) {
    for (int c = 0; c < values.length; c++) {
      double s = from == head ? baseSum[c] : sums[c][from - 1];
      double p = from == head ? basePresent[c] : present[c][from - 1];
      for (int i = from; i < tail; i++) {
        double v = values[c][i];
        if (!Double.isNaN(v)) {
          s += v;
          p += 1;
        }
        sums[c][i] = s;
        present[c][i] = p;
      }
    }
  }

  private void shiftRight(int pos) {
    int n = tail - pos;
    System.arraycopy(times, pos, times, pos + 1, n);
    System.arraycopy(ties, pos, ties, pos + 1, n);
    for (int c = 0; c < values.length; c++) {
      System.arraycopy(values[c], pos, values[c], pos + 1, n);
    }
    for (int c = 0; c < hashes.length; c++) {
      System.arraycopy(hashes[c], pos, hashes[c], pos + 1, n);
    }
  }

  private void ensureCapacity() {
    int live = tail - head;
    int capacity = live * 2 < times.length ? times.length : times.length * 2;
    times = move(times, capacity);
    ties = move(ties, capacity);
    for (int c = 0; c < values.length; c++) {
      values[c] = move(values[c], capacity);
      sums[c] = move(sums[c], capacity);
      present[c] = move(present[c], capacity);
    }
    for (int c = 0; c < hashes.length; c++) {
      hashes[c] = move(hashes[c], capacity);
    }
    tail = live;
    head = 0;
  }

  private long[] move(long[] a, int capacity) {
    long[] b = capacity == a.length ? a : new long[capacity];
    System.arraycopy(a, head, b, 0, tail - head);
    return b;
  }

  private double[] move(double[] a, int capacity) {
    double[] b = capacity == a.length ? a : new double[capacity];
    System.arraycopy(a, head, b, 0, tail - head);
    return b;
  }

  // --- serialization support for the coder: live entries only, sums rebuilt on read ---

  double baseSum(int c) {
    return baseSum[c];
  }

  double basePresent(int c) {
    return basePresent[c];
  }

  long tie(int i) {
    return ties[i];
  }

  /** Rebuilds a buffer from its live entries and bases, exactly as it was. */
  static TimeSeries restore(
      int numericColumns,
      int hashColumns,
      long maxTime,
      double[] baseSum,
      double[] basePresent,
      long[] times,
      long[] ties,
      double[][] values,
      long[][] hashes) {
    int n = times.length;
    TimeSeries ts = new TimeSeries(numericColumns, hashColumns, Math.max(8, n));
    ts.maxTime = maxTime;
    System.arraycopy(baseSum, 0, ts.baseSum, 0, numericColumns);
    System.arraycopy(basePresent, 0, ts.basePresent, 0, numericColumns);
    System.arraycopy(times, 0, ts.times, 0, n);
    System.arraycopy(ties, 0, ts.ties, 0, n);
    for (int c = 0; c < numericColumns; c++) {
      System.arraycopy(values[c], 0, ts.values[c], 0, n);
    }
    for (int c = 0; c < hashColumns; c++) {
      System.arraycopy(hashes[c], 0, ts.hashes[c], 0, n);
    }
    ts.tail = n;
    ts.recomputeSums(0);
    return ts;
  }
}
