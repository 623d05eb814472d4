package dev.freshet.model.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** A labelled example survives its coder bit for bit and its JSON line exactly. */
public class ExampleTest {
  private static final Example EXAMPLE =
      new Example(
          "p-42",
          1_767_225_600_000L,
          1_767_229_200_000L,
          1f,
          new float[] {0f, -3.5f, Float.MIN_VALUE});

  private static void assertSame(Example back) {
    assertThat(back.id()).isEqualTo(EXAMPLE.id());
    assertThat(back.eventTimeMillis()).isEqualTo(EXAMPLE.eventTimeMillis());
    assertThat(back.labelTimeMillis()).isEqualTo(EXAMPLE.labelTimeMillis());
    assertThat(back.label()).isEqualTo(EXAMPLE.label());
    assertThat(back.features()).containsExactly(EXAMPLE.features());
  }

  @Test
  public void roundTripsThroughItsCoder() throws Exception {
    Example.ExampleCoder coder = Example.ExampleCoder.of();
    assertSame(CoderUtils.clone(coder, EXAMPLE));
  }

  @Test
  public void roundTripsThroughItsJsonLine() {
    assertSame(Example.parse(EXAMPLE.toJson()));
    assertThat(EXAMPLE.positive()).isTrue();
  }

  @Test
  public void anOldSmokeTestLineWithoutLabelTimeTakesTheEventTime() {
    Example old =
        Example.parse("{\"event_id\":\"a\",\"event_time\":5,\"label\":0.0,\"features\":[1.0]}");
    assertThat(old.labelTimeMillis()).isEqualTo(5);
    assertThat(old.positive()).isFalse();
  }

  @Test
  public void aLineThatIsNoExampleSaysSo() {
    assertThatThrownBy(() -> Example.parse("{\"event_id\":\"a\"}"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("not a labelled example");
  }
}
