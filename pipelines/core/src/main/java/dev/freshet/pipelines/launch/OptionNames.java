package dev.freshet.pipelines.launch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Freshet's options are camelCase everywhere ({@code --bootstrapServers}), as Beam's are. An option
 * spelled the other way ({@code --bootstrap-servers}, which earlier versions took in some commands)
 * is refused with the spelling to use, before any command parses it.
 */
public final class OptionNames {
  private static final Pattern KEBAB = Pattern.compile("--([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(=.*)?");

  private OptionNames() {}

  /** Fails, naming the camelCase spelling, at the first option written with dashes. */
  public static void requireCamelCase(String... args) {
    for (String arg : args) {
      Matcher m = KEBAB.matcher(arg);
      if (m.matches()) {
        throw new IllegalArgumentException(
            "--"
                + m.group(1)
                + " is spelled "
                + camelCase(m.group(1))
                + ": Freshet's options are camelCase, as Beam's are");
      }
    }
  }

  static String camelCase(String dashed) {
    StringBuilder s = new StringBuilder("--");
    boolean upper = false;
    for (char c : dashed.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        s.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return s.toString();
  }
}
