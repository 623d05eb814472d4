package dev.freshet.pipelines.encodings;

import dev.freshet.transforms.events.EventSchema;
import dev.freshet.transforms.events.FieldType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What keeps a writer's schema (an Avro record, a Protobuf message) from holding an event schema's
 * records, in the same words whatever the encoding: the required fields it lacks, and each field
 * whose type cannot hold the declared one; each a phrase that follows the schema's name ("has no
 * field 'amount'...").
 */
final class SchemaFit {
  private SchemaFit() {}

  /** Whether a writer's field can hold values of a declared type. */
  interface CanHold<F> {
    boolean canHold(F field, FieldType type, boolean label);
  }

  /**
   * The problems of the writer's schema whose fields {@code find} looks up by name (null when
   * absent), {@code describe} names a field's type; empty when it fits.
   */
  static <F> List<String> problems(
      EventSchema schema,
      String specName,
      Function<String, F> find,
      CanHold<F> canHold,
      Function<F, String> describe) {
    List<String> problems = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (EventSchema.Field field : schema.fields()) {
      F writer = find.apply(field.name());
      if (writer == null) {
        if (field.required()) {
          missing.add("'" + field.name() + "'");
        }
      } else if (!canHold.canHold(writer, field.type(), field.name().equals(schema.labelField()))) {
        problems.add(
            String.format(
                "has field '%s' of type %s, which cannot hold the %s spec '%s' reads for %s",
                field.name(),
                describe.apply(writer),
                field.type().name().toLowerCase(Locale.ROOT),
                specName,
                schema.name()));
      }
    }
    if (!missing.isEmpty()) {
      problems.add(
          0,
          String.format(
              "has no field%s %s that spec '%s' needs for %s",
              missing.size() == 1 ? "" : "s", String.join(", ", missing), specName, schema.name()));
    }
    return problems;
  }
}
