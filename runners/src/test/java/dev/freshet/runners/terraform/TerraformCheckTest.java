package dev.freshet.runners.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The consistency check on Terraform as {@code @cdktf/hcl2json} prints it: a consistent job pair
 * passes, and each kind of planted inconsistency is reported by name. ({@code
 * .ci/terraform-check.sh --self-test} does the same on the real {@code terraform/} folder.)
 */
@RunWith(JUnit4.class)
public class TerraformCheckTest {
  private static final Path DATAFLOW = Path.of("dataflow");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ObjectNode terraform;
  private ObjectNode serveParameters;
  private ObjectNode trainParameters;
  private ObjectNode learnParameters;

  /**
   * A train job with literal parameters, and serve and learn jobs whose parameters filter a local.
   */
  @Before
  public void consistentTerraform() {
    terraform = JSON.createObjectNode();
    ObjectNode file = terraform.putObject("jobs.tf");
    ObjectNode locals = file.putArray("locals").addObject();
    serveParameters = locals.putObject("serve_parameters");
    serveParameters.put("bootstrapServers", "${var.kafka_bootstrap_servers}");
    serveParameters.put("registry", "${local.registry_path}");
    serveParameters.put("spec", "${local.spec_uri}");
    serveParameters.put("startOffset", "EARLIEST");
    serveParameters.put("threshold", "0.7");
    learnParameters = locals.putObject("learn_parameters");
    learnParameters.put("bootstrapServers", "${var.kafka_bootstrap_servers}");
    learnParameters.put("registry", "${local.registry_path}");
    learnParameters.put("spec", "${local.spec_uri}");
    learnParameters.put("consumerGroup", "freshet-learn");
    learnParameters.put("microBatchSize", "${tostring(var.learn_micro_batch_size)}");
    learnParameters.put("maxNeRegression", "0.05");
    learnParameters.put("promote", "true");
    ObjectNode jobs = file.putObject("resource").putObject(TerraformCheck.JOB_TYPE);
    jobs.putArray("serve")
        .addObject()
        .put("parameters", "${{ for k, v in local.serve_parameters : k => v if v != \"\" }}");
    jobs.putArray("learn")
        .addObject()
        .put("parameters", "${{ for k, v in local.learn_parameters : k => v if v != \"\" }}");
    trainParameters = jobs.putArray("train").addObject().putObject("parameters");
    trainParameters.put("registry", "gs://acme-freshet-registry/models");
    trainParameters.put("spec", "gs://acme-freshet-registry/specs/fraud.yaml");
    trainParameters.put("events", "${local.train_events}");
    trainParameters.put("epochs", 3);
  }

  private List<String> problems() throws IOException {
    return TerraformCheck.check(terraform, DATAFLOW);
  }

  @Test
  public void consistentJobsPass() throws IOException {
    assertThat(problems()).isEmpty();
  }

  @Test
  public void aParameterThatIsNoOptionFails() throws IOException {
    serveParameters.put("bootstrapServer", "kafka:9092");
    assertThat(problems())
        .anyMatch(p -> p.contains("'bootstrapServer' is not an option of ServeOptions"))
        .anyMatch(
            p -> p.contains("'bootstrapServer' is not in runners/dataflow/serve/metadata.json"));
  }

  @Test
  public void anOptionMissingFromTheMetadataFails() throws IOException {
    trainParameters.put("jobName", "nightly");
    assertThat(problems())
        .containsExactly(
            "jobs.tf: job 'train': parameter 'jobName' is not in"
                + " runners/dataflow/train/metadata.json");
  }

  @Test
  public void aMissingRequiredOptionFails() throws IOException {
    serveParameters.remove("bootstrapServers");
    assertThat(problems())
        .contains(
            "jobs.tf: job 'serve': required option 'bootstrapServers' of ServeOptions is not passed");
  }

  @Test
  public void aMissingParameterTheMetadataRequiresFails() throws IOException {
    trainParameters.remove("events");
    assertThat(problems())
        .containsExactly(
            "jobs.tf: job 'train': parameter 'events' is not optional in metadata.json but not"
                + " passed");
  }

  @Test
  public void theLearnJobIsCheckedAgainstLearnOptionsAndItsMetadata() throws IOException {
    learnParameters.put("threshold", "0.7");
    learnParameters.remove("bootstrapServers");
    learnParameters.remove("registry");
    learnParameters.put("promote", "yes");
    assertThat(problems())
        .containsExactlyInAnyOrder(
            "jobs.tf: job 'learn': parameter 'threshold' is not an option of LearnOptions",
            "jobs.tf: job 'learn': parameter 'threshold' is not in"
                + " runners/dataflow/learn/metadata.json",
            "jobs.tf: job 'learn': parameter 'promote' = 'yes' fails the metadata's validation"
                + " [^(true|false)$]",
            "jobs.tf: job 'learn': required option 'bootstrapServers' of LearnOptions is not passed",
            "jobs.tf: job 'learn': parameter 'registry' is not optional in metadata.json but not"
                + " passed");
  }

  @Test
  public void aLiteralValueTheMetadataRejectsFails() throws IOException {
    serveParameters.put("threshold", "1.5");
    assertThat(problems()).anyMatch(p -> p.contains("parameter 'threshold' = '1.5' fails"));
  }

  @Test
  public void parametersThatCannotBeReadFail() throws IOException {
    ((ObjectNode) terraform.at("/jobs.tf/resource/" + TerraformCheck.JOB_TYPE + "/serve/0"))
        .put("parameters", "${merge(local.serve_parameters, local.extra_parameters)}");
    assertThat(problems())
        .anyMatch(p -> p.contains("job 'serve': parameters must be an object literal"));
  }

  @Test
  public void aJobWithoutTemplateAndATemplateWithoutJobFail() throws IOException {
    ObjectNode jobs = (ObjectNode) terraform.at("/jobs.tf/resource/" + TerraformCheck.JOB_TYPE);
    jobs.set("retrain", jobs.remove("serve"));
    assertThat(problems())
        .anyMatch(p -> p.contains("'retrain' is no known template"))
        .anyMatch(p -> p.contains("template 'serve' has no resource"));
  }
}
