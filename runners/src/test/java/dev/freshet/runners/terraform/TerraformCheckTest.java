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

  /** A train job with literal parameters and a serve job whose parameters filter a local. */
  @Before
  public void consistentTerraform() {
    terraform = JSON.createObjectNode();
    ObjectNode file = terraform.putObject("jobs.tf");
    serveParameters = file.putArray("locals").addObject().putObject("serve_parameters");
    serveParameters.put("bootstrapServers", "${var.kafka_bootstrap_servers}");
    serveParameters.put("registry", "${local.registry_path}");
    serveParameters.put("spec", "${local.spec_uri}");
    serveParameters.put("startOffset", "EARLIEST");
    serveParameters.put("threshold", "0.7");
    ObjectNode jobs = file.putObject("resource").putObject(TerraformCheck.JOB_TYPE);
    jobs.putArray("serve")
        .addObject()
        .put("parameters", "${{ for k, v in local.serve_parameters : k => v if v != \"\" }}");
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
    jobs.set("learn", jobs.remove("serve"));
    assertThat(problems())
        .anyMatch(p -> p.contains("'learn' is no known template"))
        .anyMatch(p -> p.contains("template 'serve' has no resource"));
  }
}
