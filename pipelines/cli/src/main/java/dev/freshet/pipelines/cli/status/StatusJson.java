package dev.freshet.pipelines.cli.status;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.Instant;

/**
 * {@link LoopStatus} as one JSON object for scripts: snake_case names as on {@code model-events},
 * times as ISO-8601 strings, a number that does not exist (an AUC without positives) as null.
 * Online evidence is {@code base} (the arm judged against: production, or a roll-back's
 * predecessor), {@code other} (the arm judged) and the {@code test}.
 */
public final class StatusJson {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .registerModule(
              new SimpleModule("freshet-status")
                  .addSerializer(Instant.class, ToStringSerializer.instance)
                  .addSerializer(Double.class, new FiniteOrNull())
                  .addSerializer(double.class, new FiniteOrNull()));

  private StatusJson() {}

  static String of(LoopStatus status) {
    return write(status);
  }

  /**
   * Any value in these conventions: the live page's state, which holds a {@link LoopStatus}, reads
   * as {@code status --json} does.
   */
  public static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class FiniteOrNull extends JsonSerializer<Double> {
    @Override
    public void serialize(Double value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      if (Double.isFinite(value)) {
        gen.writeNumber(value);
      } else {
        gen.writeNull();
      }
    }
  }
}
