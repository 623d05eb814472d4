package dev.freshet.transforms.features;

import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * Puts an event's vector together from its base and one part per entity-key stage. Plain Java: the
 * bounded and streaming assemblers in {@link ExtractFeatures} share it.
 */
final class VectorAssembly implements Serializable {
  private final int[][] stageColumns;
  private final long fingerprint;

  VectorAssembly(List<KeyFeatures> plans, long fingerprint) {
    this.stageColumns = new int[plans.size()][];
    for (int i = 0; i < plans.size(); i++) {
      stageColumns[i] = plans.get(i).columns();
    }
    this.fingerprint = fingerprint;
  }

  /**
   * An event's vector in progress. {@code pending[s]} counts parts of stage {@code s - 1} not yet
   * used ({@code s = 0} is the base): a duplicated event sends every part twice, in any order.
   */
  static final class InProgress {
    Row event;
    float[] features;
    int[] pending;

    boolean isEmpty() {
      for (int p : pending) {
        if (p > 0) {
          return false;
        }
      }
      return true;
    }
  }

  InProgress start() {
    InProgress p = new InProgress();
    p.pending = new int[stageColumns.length + 1];
    return p;
  }

  /** Adds a part; returns a finished event when every part has arrived, else {@code null}. */
  FeaturedEvent add(InProgress p, Part part) {
    if (p.features == null) {
      p.features = new float[part.features.length];
    }
    if (part.stage == Part.BASE) {
      p.event = part.event;
      float[] base = part.features;
      for (int c = 0; c < base.length; c++) {
        if (!isStageColumn(c)) {
          p.features[c] = base[c];
        }
      }
    } else {
      for (int c : stageColumns[part.stage]) {
        p.features[c] = part.features[c];
      }
    }
    p.pending[part.stage + 1]++;
    for (int count : p.pending) {
      if (count == 0) {
        return null;
      }
    }
    for (int s = 0; s < p.pending.length; s++) {
      p.pending[s]--;
    }
    return new FeaturedEvent(p.event, p.features.clone(), fingerprint);
  }

  private boolean isStageColumn(int column) {
    for (int[] columns : stageColumns) {
      for (int c : columns) {
        if (c == column) {
          return true;
        }
      }
    }
    return false;
  }
}
