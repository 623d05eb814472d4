package dev.freshet.transforms.features;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/** The features read from the event itself (VALUE and CATEGORY columns). Plain Java. */
final class EventFeatures implements Serializable {
  private final int size;
  private final int[] featureIndex;
  private final int[] fieldIndex;
  private final int[] buckets;
  private final double[] missing;

  EventFeatures(FeatureSpec spec) {
    Schema schema = spec.events().beamSchema();
    List<Feature> features = spec.features();
    this.size = features.size();
    int n = (int) features.stream().filter(f -> !f.aggregation().isWindowed()).count();
    featureIndex = new int[n];
    fieldIndex = new int[n];
    buckets = new int[n];
    missing = new double[n];
    int j = 0;
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      if (!f.aggregation().isWindowed()) {
        featureIndex[j] = i;
        fieldIndex[j] = schema.indexOf(f.field());
        buckets[j] = f.aggregation() == Aggregation.CATEGORY ? f.buckets() : 0;
        missing[j] = f.missingValue();
        j++;
      }
    }
  }

  /** A new vector with the event's own features set and every windowed column at zero. */
  float[] compute(Row event) {
    float[] out = new float[size];
    for (int j = 0; j < featureIndex.length; j++) {
      Object v = event.getValue(fieldIndex[j]);
      double x;
      if (v == null) {
        x = missing[j];
      } else if (buckets[j] > 0) {
        x = StableHash.bucket(v, buckets[j]);
      } else {
        x = ((Number) v).doubleValue();
      }
      out[featureIndex[j]] = (float) x;
    }
    return out;
  }
}
