package dev.freshet.pipelines.archive;

import dev.freshet.pipelines.predictions.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;

/**
 * Predictions (the JSON records serve writes, see {@link Prediction}) as rows of {@link #SCHEMA}:
 * one column per field, the feature vector as a list of floats and the per-version scores as a map,
 * so archived predictions can be queried and joined without parsing JSON.
 */
public final class PredictionRows {
  /** Directory and metric name of archived predictions. */
  public static final String STREAM = "predictions";

  /** The columns of an archived prediction. */
  public static final Schema SCHEMA =
      Schema.builder()
          .addStringField("event_id")
          .addDateTimeField("event_time")
          .addFloatField("score")
          .addBooleanField("decision")
          .addStringField("model_version")
          .addStringField("arm")
          .addStringField("spec")
          .addArrayField("features", FieldType.FLOAT)
          .addInt64Field("scored_at_ms")
          .addMapField("scores", FieldType.STRING, FieldType.FLOAT)
          .build();

  private PredictionRows() {}

  /** The row of {@code p}. */
  public static Row toRow(Prediction p) {
    List<Float> features = new ArrayList<>(p.features().length);
    for (float f : p.features()) {
      features.add(f);
    }
    return Row.withSchema(SCHEMA)
        .addValues(
            p.eventId(),
            new Instant(p.eventTimeMillis()),
            p.score(),
            p.decision(),
            p.modelVersion(),
            p.arm(),
            p.spec(),
            features,
            p.scoredAtMillis(),
            new TreeMap<>(p.scores()))
        .build();
  }
}
