package dev.freshet.transforms.features;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Groups keyed records of a bounded collection into a fixed number of buckets (by a stable hash of
 * the key), each bucket holding whole keys. The bounded paths of {@link ExtractFeatures} and {@code
 * JoinLabels} then replay each key in memory. A few hundred buckets keep every runner busy while
 * sparing runners whose cost grows with the number of distinct keys (the direct runner's GroupByKey
 * slows down sharply with tens of thousands of keys). The output is stamped with the earliest
 * timestamp of each bucket, so records can be re-stamped with their own event time.
 */
public final class KeyBuckets<V>
    extends PTransform<
        PCollection<KV<String, V>>, PCollection<KV<Integer, Iterable<KV<String, V>>>>> {
  /** Buckets used by Freshet's bounded paths. */
  public static final int DEFAULT_BUCKETS = 256;

  private final int buckets;

  private KeyBuckets(int buckets) {
    this.buckets = buckets;
  }

  public static <V> KeyBuckets<V> of(int buckets) {
    return new KeyBuckets<>(buckets);
  }

  @Override
  @SuppressWarnings("unchecked")
  public PCollection<KV<Integer, Iterable<KV<String, V>>>> expand(
      PCollection<KV<String, V>> input) {
    Coder<KV<String, V>> kvCoder = input.getCoder();
    return input
        .apply("ToBucket", ParDo.of(new ToBucketFn<V>(buckets)))
        .setCoder(KvCoder.of(VarIntCoder.of(), kvCoder))
        .apply(
            "EarliestTimestamp",
            Window.<KV<Integer, KV<String, V>>>configure()
                .withTimestampCombiner(TimestampCombiner.EARLIEST))
        .apply("GroupBuckets", GroupByKey.create());
  }

  /** The records of one bucket by key, in the order they came. */
  public static <V> Map<String, List<V>> byKey(Iterable<KV<String, V>> bucket) {
    Map<String, List<V>> byKey = new LinkedHashMap<>();
    for (KV<String, V> kv : bucket) {
      byKey.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue());
    }
    return byKey;
  }

  static final class ToBucketFn<V> extends DoFn<KV<String, V>, KV<Integer, KV<String, V>>> {
    private final int buckets;

    ToBucketFn(int buckets) {
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(@Element KV<String, V> kv, OutputReceiver<KV<Integer, KV<String, V>>> out) {
      out.output(KV.of((int) Math.floorMod(StableHash.of(kv.getKey()), (long) buckets), kv));
    }
  }
}
