package dev.freshet.runners.dataflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A flex template's {@code metadata.json}: what Dataflow shows for the template and how it
 * validates each parameter (by regular expression) before a job starts.
 */
public record TemplateMetadata(
    String name, String description, boolean streaming, List<Parameter> parameters) {

  /** One parameter: a pipeline option the template accepts. */
  public record Parameter(
      String name, String label, String helpText, boolean optional, List<String> regexes) {
    /** Whether Dataflow would accept {@code value}: it matches every regular expression whole. */
    public boolean accepts(String value) {
      return regexes.stream().allMatch(r -> Pattern.compile(r).matcher(value).matches());
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public static TemplateMetadata read(Path file) throws IOException {
    JsonNode root = JSON.readTree(Files.readString(file));
    List<Parameter> parameters = new ArrayList<>();
    for (JsonNode p : root.path("parameters")) {
      List<String> regexes = new ArrayList<>();
      p.path("regexes").forEach(r -> regexes.add(r.asText()));
      parameters.add(
          new Parameter(
              p.path("name").asText(""),
              p.path("label").asText(""),
              p.path("helpText").asText(""),
              p.path("isOptional").asBoolean(false),
              List.copyOf(regexes)));
    }
    return new TemplateMetadata(
        root.path("name").asText(""),
        root.path("description").asText(""),
        root.path("streaming").asBoolean(false),
        List.copyOf(parameters));
  }

  public Optional<Parameter> parameter(String name) {
    return parameters.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * What is wrong between this metadata and {@code template}'s options; empty when they agree.
   * Every parameter must be an option of the pipeline, described (label, the option's own
   * description in its help text) and validated (regular expressions that compile and, for an
   * optional parameter, accept the option's default); every option Freshet declares must be a
   * parameter; required options must not be optional; the streaming flag must match the pipeline.
   */
  public List<String> problems(FlexTemplate template) {
    String where = template.templateName() + " metadata.json: ";
    OptionSet options = OptionSet.of(template.options());
    String iface = template.options().getSimpleName();
    List<String> problems = new ArrayList<>();
    if (name.isBlank() || description.isBlank()) {
      problems.add(where + "needs a name and a description");
    }
    if (streaming != template.streaming()) {
      problems.add(
          where + "\"streaming\" is " + streaming + " but the pipeline is " + kind(template));
    }
    Set<String> seen = new HashSet<>();
    for (Parameter p : parameters) {
      String at = where + "parameter '" + p.name() + "' ";
      if (!seen.add(p.name())) {
        problems.add(at + "is listed twice");
      }
      Optional<OptionSet.Option> option = options.get(p.name());
      if (option.isEmpty()) {
        problems.add(at + "is not an option of " + iface);
        continue;
      }
      if (p.label().isBlank()) {
        problems.add(at + "has no label");
      }
      String description = option.get().description();
      if (description != null && !p.helpText().contains(description)) {
        problems.add(
            at + "helpText must contain the option's @Description: \"" + description + "\"");
      }
      if (p.regexes().isEmpty()) {
        problems.add(at + "has no regexes to validate it");
      }
      boolean compiles = true;
      for (String r : p.regexes()) {
        try {
          Pattern.compile(r);
        } catch (PatternSyntaxException e) {
          problems.add(at + "has a regex that does not compile: " + r);
          compiles = false;
        }
      }
      String defaultValue = option.get().defaultValue();
      // An optional parameter left out gets the option's default: it must pass too.
      if (compiles && p.optional() && defaultValue != null && !p.accepts(defaultValue)) {
        problems.add(at + "rejects the option's own default '" + defaultValue + "'");
      }
      if (option.get().required() && p.optional()) {
        problems.add(at + "is @Validation.Required in " + iface + " but isOptional here");
      }
    }
    for (OptionSet.Option o : options.all()) {
      if (o.isFreshet() && parameter(o.name()).isEmpty()) {
        problems.add(
            where
                + "option '"
                + o.name()
                + "' of "
                + o.declaredBy().getSimpleName()
                + " is not described: add it to the parameters");
      }
    }
    return problems;
  }

  private static String kind(FlexTemplate template) {
    return template.streaming() ? "streaming" : "batch";
  }
}
