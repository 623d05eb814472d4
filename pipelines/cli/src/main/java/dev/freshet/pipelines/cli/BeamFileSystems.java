package dev.freshet.pipelines.cli;

import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Beam's file-system options ({@code --awsRegion}, {@code --endpoint}, {@code
 * --s3ClientFactoryClass}, {@code --awsCredentialsProvider}, {@code --gcpCredential}, ...) for the
 * commands that are not pipelines, so that their paths work on {@code s3://} and {@code gs://} as
 * the pipelines' do. Such a command collects the options it does not know itself
 * ({@code @Unmatched}) and hands them here.
 */
public final class BeamFileSystems {
  private BeamFileSystems() {}

  /** Registers Beam's file systems with {@code options}; an unknown option fails, naming it. */
  public static void register(List<String> options) {
    FileSystems.setDefaultPipelineOptions(
        PipelineOptionsFactory.fromArgs(options.toArray(new String[0])).withValidation().create());
  }
}
