package dev.freshet.runners.dataflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Translates a pipeline to a Dataflow job spec offline: the Dataflow runner with a made-up project,
 * {@code gs://} temp locations that are never touched, no credentials, local staging of one small
 * file, and a local {@code templateLocation} that receives the job spec instead of a submission.
 * With Runner v2 the steps are in the portable pipeline staged beside it ({@link PipelineProto}).
 */
final class DataflowTranslation {
  static final String PROJECT = "freshet-offline";
  static final String REGION = "europe-west4";
  static final String TEMP = "gs://freshet-offline-temp/tmp";

  private DataflowTranslation() {}

  /** The Dataflow options for a translation into {@code dir}, followed by {@code pipelineArgs}. */
  static String[] args(Path dir, String jobName, String... pipelineArgs) throws IOException {
    Path staged = Files.writeString(dir.resolve("staged.txt"), "stands in for the bundled jar");
    List<String> all =
        new ArrayList<>(
            List.of(
                "--runner=DataflowRunner",
                "--project=" + PROJECT,
                "--region=" + REGION,
                "--jobName=" + jobName,
                "--tempLocation=" + TEMP,
                "--gcpTempLocation=" + TEMP,
                "--stagingLocation=" + Files.createDirectories(dir.resolve("staging")),
                "--templateLocation=" + dir.resolve("job.json"),
                "--filesToStage=" + staged,
                "--pathValidatorClass=" + NoopPathValidator.class.getName(),
                "--credentialFactoryClass=" + NoopCredentialFactory.class.getName(),
                // As the Terraform launches them. Runner v1 would also ask Kafka for partitions.
                "--experiments=use_runner_v2"));
    all.addAll(Arrays.asList(pipelineArgs));
    return all.toArray(new String[0]);
  }

  /** Parses {@code args} as {@code type}, builds the pipeline, runs the translation. */
  static <T extends PipelineOptions> JsonNode translate(
      Path dir, Class<T> type, String[] args, Function<T, Pipeline> build) throws IOException {
    return translate(
        dir,
        a -> {
          PipelineOptionsFactory.register(type);
          return PipelineOptionsFactory.fromArgs(a).withValidation().as(type);
        },
        args,
        build);
  }

  /** Parses {@code args} with {@code parse} (a template's own parser), builds, translates. */
  static <T extends PipelineOptions> JsonNode translate(
      Path dir, Function<String[], T> parse, String[] args, Function<T, Pipeline> build)
      throws IOException {
    build.apply(parse.apply(args)).run();
    return new ObjectMapper().readTree(Files.readString(dir.resolve("job.json")));
  }

  /** The pipeline options the job carries to its workers. */
  static JsonNode options(JsonNode job) {
    return job.path("environment").path("sdkPipelineOptions").path("options");
  }
}
