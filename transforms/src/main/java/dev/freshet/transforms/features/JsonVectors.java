package dev.freshet.transforms.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Feature vectors as JSON arrays of numbers: predictions, training and learning examples. */
public final class JsonVectors {
  private JsonVectors() {}

  /** Adds {@code values} to {@code node} as the array {@code field}. */
  public static void put(ObjectNode node, String field, float[] values) {
    ArrayNode array = node.putArray(field);
    for (float v : values) {
      array.add(v);
    }
  }

  /** The numbers of a JSON array, as floats. */
  public static float[] read(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) array.get(i).asDouble();
    }
    return values;
  }
}
