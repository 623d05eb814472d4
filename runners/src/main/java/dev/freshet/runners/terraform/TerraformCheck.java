package dev.freshet.runners.terraform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.freshet.runners.dataflow.FlexTemplate;
import dev.freshet.runners.dataflow.OptionSet;
import dev.freshet.runners.dataflow.TemplateMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that the Terraform and the pipelines agree: every parameter a {@code
 * google_dataflow_flex_template_job} passes is an option of its pipeline and a parameter of its
 * template's {@code metadata.json} (and a literal value passes the metadata's validation); every
 * required option, and every parameter the metadata marks as not optional, is passed; every
 * template has a job; and each metadata agrees with its pipeline ({@link
 * TemplateMetadata#problems}).
 *
 * <p>Input: the Terraform as {@code @cdktf/hcl2json} prints it, one document per {@code .tf} file,
 * gathered in one JSON object keyed by file name ({@code .ci/terraform-check.sh} writes it). A job
 * is paired with its template by resource name ({@code resource "google_dataflow_flex_template_job"
 * "serve"} → {@link FlexTemplate#SERVE}). Its {@code parameters} must be an object literal, or an
 * expression over exactly one {@code local} whose value is an object literal (so that optional,
 * empty parameters can be filtered out with a {@code for} expression).
 */
public final class TerraformCheck {
  static final String JOB_TYPE = "google_dataflow_flex_template_job";
  private static final Pattern LOCAL_REFERENCE = Pattern.compile("\\blocal\\.([A-Za-z0-9_-]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private TerraformCheck() {}

  /** {@code TerraformCheck <hcl2json output> <runners/dataflow>}: exits 1 when a check fails. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println(
          "usage: TerraformCheck <terraform as hcl2json JSON> <folder of the templates' metadata>");
      System.exit(2);
    }
    JsonNode files = JSON.readTree(Files.readString(Path.of(args[0])));
    List<String> problems = check(files, Path.of(args[1]));
    if (problems.isEmpty()) {
      System.out.println(
          "terraform consistency: OK ("
              + FlexTemplate.values().length
              + " flex-template jobs agree with their pipelines' options and metadata.json)");
      return;
    }
    problems.forEach(p -> System.err.println("terraform consistency: " + p));
    System.exit(1);
  }

  /** Every inconsistency found, each a sentence naming the file, job and parameter. */
  public static List<String> check(JsonNode files, Path dataflowDir) throws IOException {
    Map<String, Located> locals = new LinkedHashMap<>();
    Map<String, Located> jobs = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> file = it.next();
      for (JsonNode block : file.getValue().path("locals")) {
        block.fields().forEachRemaining(l -> locals.put(l.getKey(), located(file, l.getValue())));
      }
      file.getValue()
          .path("resource")
          .path(JOB_TYPE)
          .fields()
          .forEachRemaining(
              job -> {
                for (JsonNode body : job.getValue()) {
                  if (jobs.put(job.getKey(), located(file, body)) != null) {
                    problems.add("two " + JOB_TYPE + " resources are named '" + job.getKey() + "'");
                  }
                }
              });
    }
    for (FlexTemplate template : FlexTemplate.values()) {
      TemplateMetadata metadata = TemplateMetadata.read(template.metadata(dataflowDir));
      problems.addAll(metadata.problems(template));
      Located job = jobs.remove(template.templateName());
      if (job == null) {
        problems.add(
            "template '"
                + template.templateName()
                + "' has no resource \""
                + JOB_TYPE
                + "\" \""
                + template.templateName()
                + "\"");
        continue;
      }
      problems.addAll(checkJob(template, job, locals, metadata));
    }
    jobs.forEach(
        (name, job) ->
            problems.add(
                job.file
                    + ": "
                    + JOB_TYPE
                    + " '"
                    + name
                    + "' is no known template ("
                    + templateNames()
                    + "); add it to FlexTemplate with its options and metadata.json"));
    return problems;
  }

  private static List<String> checkJob(
      FlexTemplate template, Located job, Map<String, Located> locals, TemplateMetadata metadata) {
    String where = job.file + ": job '" + template.templateName() + "'";
    List<String> problems = new ArrayList<>();
    Optional<JsonNode> parameters = parameters(job.node.path("parameters"), locals);
    if (parameters.isEmpty()) {
      problems.add(
          where
              + ": parameters must be an object literal, or an expression over one local whose"
              + " value is an object literal, so that they can be checked; got "
              + job.node.path("parameters"));
      return problems;
    }
    OptionSet options = OptionSet.of(template.options());
    String iface = template.options().getSimpleName();
    Set<String> passed = new TreeSet<>();
    parameters
        .get()
        .fields()
        .forEachRemaining(
            p -> {
              String name = p.getKey();
              passed.add(name);
              String at = where + ": parameter '" + name + "'";
              if (options.get(name).isEmpty()) {
                problems.add(at + " is not an option of " + iface);
              }
              Optional<TemplateMetadata.Parameter> declared = metadata.parameter(name);
              if (declared.isEmpty()) {
                problems.add(
                    at
                        + " is not in runners/dataflow/"
                        + template.templateName()
                        + "/metadata.json");
              } else if (isLiteral(p.getValue())
                  && !declared.get().accepts(p.getValue().asText())) {
                problems.add(
                    at
                        + " = '"
                        + p.getValue().asText()
                        + "' fails the metadata's validation "
                        + declared.get().regexes());
              }
            });
    for (OptionSet.Option o : options.all()) {
      if (o.required() && !passed.contains(o.name())) {
        problems.add(where + ": required option '" + o.name() + "' of " + iface + " is not passed");
      }
    }
    for (TemplateMetadata.Parameter p : metadata.parameters()) {
      boolean required = options.get(p.name()).map(OptionSet.Option::required).orElse(false);
      if (!p.optional() && !required && !passed.contains(p.name())) {
        problems.add(
            where
                + ": parameter '"
                + p.name()
                + "' is not optional in metadata.json but not passed");
      }
    }
    return problems;
  }

  /** The parameters' object: the literal, or the one local the expression reads. */
  private static Optional<JsonNode> parameters(JsonNode value, Map<String, Located> locals) {
    if (value.isObject()) {
      return Optional.of(value);
    }
    if (!value.isTextual()) {
      return Optional.empty();
    }
    Set<String> referenced = new TreeSet<>();
    Matcher m = LOCAL_REFERENCE.matcher(value.asText());
    while (m.find()) {
      referenced.add(m.group(1));
    }
    if (referenced.size() != 1) {
      return Optional.empty();
    }
    Located local = locals.get(referenced.iterator().next());
    return local != null && local.node.isObject() ? Optional.of(local.node) : Optional.empty();
  }

  /** A value written out in the Terraform, not computed ({@code "${var.x}"}, {@code "a-${b}"}). */
  private static boolean isLiteral(JsonNode value) {
    return value.isValueNode() && !value.asText().contains("${");
  }

  private static String templateNames() {
    List<String> names = new ArrayList<>();
    for (FlexTemplate t : FlexTemplate.values()) {
      names.add(t.templateName());
    }
    return String.join(", ", names);
  }

  private static Located located(Map.Entry<String, JsonNode> file, JsonNode node) {
    return new Located(file.getKey(), node);
  }

  private record Located(String file, JsonNode node) {}
}
