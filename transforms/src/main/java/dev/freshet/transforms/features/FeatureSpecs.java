package dev.freshet.transforms.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.joda.time.Duration;

/**
 * Loads a {@link FeatureSpec} from YAML or JSON, so that features change without recompiling.
 *
 * <pre>{@code
 * name: fraud
 * events:
 *   name: payments
 *   id: event_id
 *   time: event_time
 *   type: event_type
 *   types: [payment]
 *   fields: {rider_id: string, card_id: string, amount: double, device_id: "string?"}
 * outcomes:
 *   name: chargebacks
 *   id: event_id
 *   time: outcome_time
 *   label: label
 * label_window: 48h
 * keys: {card: card_id, rider: rider_id, all: "*"}
 * features:
 *   - {name: card_payments_10m, agg: count, key: card, window: 10m}
 *   - {name: amount, agg: value, field: amount}
 * }</pre>
 *
 * <p>A field type ending in {@code ?} is optional (quote it inside braces: {@code "string?"}). A
 * key whose field is {@code "*"} is global. Durations are {@code 30s}, {@code 10m}, {@code 1h},
 * {@code 2d}, {@code 250ms} or ISO-8601 ({@code PT10M}).
 */
public final class FeatureSpecs {
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private FeatureSpecs() {}

  /** Loads a spec from any Beam {@code FileSystems} path (local, {@code gs://}). */
  public static FeatureSpec load(String path) {
    try {
      MatchResult.Metadata file = FileSystems.matchSingleFileSpec(path);
      try (InputStream in = Channels.newInputStream(FileSystems.open(file.resourceId()))) {
        return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read feature spec '" + path + "': " + e.getMessage(), e);
    }
  }

  /** Parses a spec from YAML (JSON is valid YAML). */
  public static FeatureSpec parse(String text) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Feature spec is not valid YAML/JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("Feature spec must be a YAML/JSON object");
    }
    FeatureSpec.Builder spec = FeatureSpec.builder(text(root, "name", "spec"));
    spec.events(schema(required(root, "events", "spec"), "events"));
    if (root.hasNonNull("outcomes")) {
      spec.outcomes(schema(root.get("outcomes"), "outcomes"));
    }
    if (root.hasNonNull("label_window")) {
      spec.labelWindow(duration(root.get("label_window").asText(), "label_window"));
    }
    JsonNode keys = root.path("keys");
    for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> k = it.next();
      String field = k.getValue().isNull() ? null : k.getValue().asText();
      if (field == null || field.equals(EntityKey.GLOBAL_VALUE)) {
        spec.globalKey(k.getKey());
      } else {
        spec.key(k.getKey(), field);
      }
    }
    JsonNode features = required(root, "features", "spec");
    if (!features.isArray()) {
      throw new IllegalArgumentException("'features' must be a list");
    }
    for (JsonNode f : features) {
      String name = text(f, "name", "feature");
      String where = "feature '" + name + "'";
      Aggregation agg = Aggregation.parse(text(f, "agg", where));
      Duration window = f.hasNonNull("window") ? duration(f.get("window").asText(), where) : null;
      Double missing = f.hasNonNull("missing") ? f.get("missing").asDouble() : null;
      spec.feature(
          new Feature(
              name,
              agg,
              f.hasNonNull("field") ? f.get("field").asText() : null,
              f.hasNonNull("key") ? f.get("key").asText() : null,
              window,
              f.path("buckets").asInt(0),
              missing,
              f.path("last").asInt(0)));
    }
    return spec.build();
  }

  private static EventSchema schema(JsonNode node, String where) {
    EventSchema.Builder b = EventSchema.builder(node.path("name").asText(where));
    JsonNode fields = node.path("fields");
    for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String type = f.getValue().asText();
      boolean optional = type.endsWith("?");
      b.field(
          f.getKey(),
          FieldType.parse(optional ? type.substring(0, type.length() - 1) : type),
          !optional);
    }
    b.id(text(node, "id", where)).time(text(node, "time", where));
    if (node.hasNonNull("type")) {
      JsonNode types = required(node, "types", where);
      String[] known = new String[types.size()];
      for (int i = 0; i < known.length; i++) {
        known[i] = types.get(i).asText();
      }
      b.type(node.get("type").asText(), known);
    }
    if (node.hasNonNull("label")) {
      b.label(node.get("label").asText());
    }
    if (node.hasNonNull("max_record_bytes")) {
      b.maxRecordBytes(node.get("max_record_bytes").asInt());
    }
    return b.build();
  }

  /** Parses {@code 30s}, {@code 10m}, {@code 1h}, {@code 2d}, {@code 250ms} or ISO-8601. */
  public static Duration duration(String text, String where) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SHORT_DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.millis(n);
        case "s":
          return Duration.standardSeconds(n);
        case "m":
          return Duration.standardMinutes(n);
        case "h":
          return Duration.standardHours(n);
        default:
          return Duration.standardDays(n);
      }
    }
    try {
      return Duration.millis(java.time.Duration.parse(text.trim()).toMillis());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(
          where + ": cannot read duration '" + text + "' (use 30s, 10m, 1h, 2d or PT10M)", e);
    }
  }

  private static JsonNode required(JsonNode node, String field, String where) {
    if (!node.hasNonNull(field)) {
      throw new IllegalArgumentException(where + " needs '" + field + "'");
    }
    return node.get(field);
  }

  private static String text(JsonNode node, String field, String where) {
    return required(node, field, where).asText();
  }
}
