package dev.freshet.transforms.testing;

import dev.freshet.transforms.features.FeaturedEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Collects feature vectors from a pipeline run in this JVM (direct runner or embedded Flink), so
 * that two runs can be compared bit for bit.
 */
public final class Collect {
  private static final Map<String, List<FeaturedEvent>> SINKS = new ConcurrentHashMap<>();

  private Collect() {}

  public static void into(PCollection<FeaturedEvent> events, String sink) {
    SINKS.put(sink, new CopyOnWriteArrayList<>());
    events.apply("Collect " + sink, ParDo.of(new CollectFn(sink)));
  }

  /** Vectors by event id (one per id; duplicates are not expected here). */
  public static Map<String, float[]> byId(String sink) {
    Map<String, float[]> out = new java.util.HashMap<>();
    for (FeaturedEvent e : SINKS.get(sink)) {
      if (out.put(e.event().getString("event_id"), e.features()) != null) {
        throw new AssertionError("two vectors for " + e.event().getString("event_id"));
      }
    }
    return out;
  }

  /** The events with their vectors, as collected. */
  public static List<FeaturedEvent> events(String sink) {
    return List.copyOf(SINKS.get(sink));
  }

  static final class CollectFn extends DoFn<FeaturedEvent, Void> {
    private final String sink;

    CollectFn(String sink) {
      this.sink = sink;
    }

    @ProcessElement
    public void process(@Element FeaturedEvent e) {
      SINKS.get(sink).add(e);
    }
  }
}
