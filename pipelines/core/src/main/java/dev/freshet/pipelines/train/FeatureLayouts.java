package dev.freshet.pipelines.train;

import dev.freshet.model.FeatureLayout;
import dev.freshet.transforms.drift.DriftReference;
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

  /**
   * The distribution of {@code vectors} (raw, before the model's normalisation) per column of
   * {@code layout}: deciles for numeric columns, a bin per bucket for categorical ones. This is the
   * reference serving's drift monitor compares live windows with.
   */
  public static DriftReference driftReference(FeatureLayout layout, float[][] vectors) {
    DriftReference.Fitter fitter = DriftReference.fitter(DriftReference.DEFAULT_BINS);
    for (FeatureLayout.Column c : layout.columns()) {
      if (c.kind() == FeatureLayout.Kind.CATEGORICAL) {
        fitter.categorical(c.name(), c.buckets());
      } else {
        fitter.numeric(c.name());
      }
    }
    return fitter.fit(vectors);
  }
}
