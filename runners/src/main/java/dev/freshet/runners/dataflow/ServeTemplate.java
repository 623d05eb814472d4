package dev.freshet.runners.dataflow;

import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.serve.ServeOptions;
import dev.freshet.pipelines.serve.ServePipeline;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code serve} flex template's main class: {@link ServePipeline} as a streaming job. The
 * template launcher calls it with the job's parameters ({@code --bootstrapServers=...}, see {@code
 * runners/dataflow/serve/metadata.json}) and Dataflow's own options; it checks the registry and
 * hands the job graph to the launcher without waiting for it.
 */
public final class ServeTemplate {
  private ServeTemplate() {}

  public static void main(String[] args) throws IOException {
    PipelineOptionsFactory.register(ServeOptions.class);
    ServeOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(ServeOptions.class);
    FeatureSpec spec = Specs.load(options);
    // Fails the launch, saying "train first", rather than starting workers that cannot score.
    ServeJob.requireServableModel(options.getRegistry(), spec);
    build(options, spec).run();
  }

  /** The serving pipeline in streaming mode, built and not run (tests translate it). */
  public static Pipeline build(ServeOptions options, FeatureSpec spec) {
    options.setStreaming(true);
    Pipeline p = Pipeline.create(options);
    ServePipeline.build(p, options, spec);
    return p;
  }
}
