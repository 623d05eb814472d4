package dev.freshet.pipelines.cli.page;

import dev.freshet.pipelines.cli.status.StatusJson;
import java.util.Map;

/**
 * {@link PageState} as JSON, in the conventions of {@code freshet status --json} (snake_case, times
 * as ISO-8601 strings, a number that does not exist as null); the loop's state inside it is exactly
 * what {@code status --json} prints.
 */
public final class PageJson {
  private PageJson() {}

  public static String of(PageState state) {
    return StatusJson.write(state);
  }

  /** What the page gets when the state could not be built: {@code {"error": "..."}}. */
  static String error(String message) {
    return StatusJson.write(Map.of("error", message));
  }
}
