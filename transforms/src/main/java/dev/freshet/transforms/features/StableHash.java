package dev.freshet.transforms.features;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit FNV-1a hash that never changes between JVMs or releases: categorical ids and distinct
 * counts depend on it, so a model trained today must see the same ids when it serves tomorrow.
 */
public final class StableHash {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;

  private StableHash() {}

  public static long of(String s) {
    long h = OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= PRIME;
    }
    return h;
  }

  /** Hashes a field value of any schema type. */
  public static long ofValue(Object value) {
    if (value instanceof String s) {
      return of(s);
    }
    if (value instanceof Double d) {
      return mix(Double.doubleToLongBits(d));
    }
    if (value instanceof Number n) {
      return mix(n.longValue());
    }
    return of(String.valueOf(value));
  }

  /** The bucket in {@code [0, buckets)} of a value. */
  public static int bucket(Object value, int buckets) {
    return (int) Math.floorMod(ofValue(value), (long) buckets);
  }

  private static long mix(long v) {
    long h = OFFSET;
    for (int i = 0; i < 8; i++) {
      h ^= (v >>> (8 * i)) & 0xff;
      h *= PRIME;
    }
    return h;
  }
}
