package dev.freshet.pipelines.io;

import java.util.List;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/**
 * Makes Beam's S3 options ({@code --s3ClientFactoryClass}, {@code --SSEAlgorithm}, ...) known to
 * every command and worker: Beam's AWS module registers only its general AWS options ({@code
 * --awsRegion}, {@code --endpoint}, credentials), so an S3 setting on the command line would be
 * refused as unknown.
 */
public final class ObjectStoreOptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(S3Options.class);
  }
}
