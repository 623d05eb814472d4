package dev.freshet.pipelines.learn;

import java.util.HashMap;
import java.util.Map;

/**
 * One instance per key in this JVM, shared by a DoFn's instances: learn's single-key steps keep
 * their state in memory, and a runner may create several instances of the DoFn (the direct runner
 * does), which must all see the same state. Pair {@link #acquire} in {@code @Setup} with {@link
 * #release} in {@code @Teardown}; the last release closes the instance.
 */
final class SharedInstances {
  /** Creates the instance on first use. */
  interface Factory<T> {
    T create() throws Exception;
  }

  private static final class Entry {
    final AutoCloseable value;
    int users;

    Entry(AutoCloseable value) {
      this.value = value;
    }
  }

  private static final Map<String, Entry> INSTANCES = new HashMap<>();

  private SharedInstances() {}

  static synchronized <T extends AutoCloseable> T acquire(String key, Factory<T> factory)
      throws Exception {
    Entry e = INSTANCES.get(key);
    if (e == null) {
      e = new Entry(factory.create());
      INSTANCES.put(key, e);
    }
    e.users++;
    @SuppressWarnings("unchecked")
    T value = (T) e.value;
    return value;
  }

  static synchronized void release(String key) throws Exception {
    Entry e = INSTANCES.get(key);
    if (e != null && --e.users == 0) {
      INSTANCES.remove(key);
      e.value.close();
    }
  }
}
