package dev.freshet.pipelines.train;

import dev.freshet.model.FeatureLayout;
import dev.freshet.transforms.features.Aggregation;
import dev.freshet.transforms.features.Feature;
import dev.freshet.transforms.features.FeatureSpec;

/** The model's view of a feature spec: hashed categories are categorical, the rest numeric. */
public final class FeatureLayouts {
  private FeatureLayouts() {}

  public static FeatureLayout of(FeatureSpec spec) {
    FeatureLayout.Builder layout = FeatureLayout.builder(spec.fingerprint());
    for (Feature f : spec.features()) {
      if (f.aggregation() == Aggregation.CATEGORY) {
        layout.categorical(f.name(), f.buckets());
      } else {
        layout.numeric(f.name());
      }
    }
    return layout.build();
  }
}
