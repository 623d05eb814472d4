package dev.freshet.runners.dataflow;

import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.learn.LearnPipeline;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code learn} flex template's main class: {@link LearnPipeline} (continual learning) as a
 * streaming job. The template launcher calls it with the job's parameters ({@code
 * --bootstrapServers=...}, see {@code runners/dataflow/learn/metadata.json}) and Dataflow's own
 * options; it checks that the registry has a production model the spec can load and the smoke-test
 * set {@code train} writes, then hands the job graph to the launcher without waiting for it.
 */
public final class LearnTemplate {
  private LearnTemplate() {}

  public static void main(String[] args) throws IOException {
    LearnOptions options = parse(args);
    FeatureSpec spec = Specs.load(options);
    // Fails the launch, saying "train first", rather than starting workers that cannot learn.
    LearnJob.requireLearnableRegistry(options.getRegistry(), spec);
    build(options, spec).run();
  }

  /** The job's arguments as {@link LearnOptions}, with learn's own consumer group by default. */
  static LearnOptions parse(String... args) {
    PipelineOptionsFactory.register(LearnOptions.class);
    return PipelineOptionsFactory.fromArgs(LearnJob.withLearnDefaults(args))
        .withValidation()
        .as(LearnOptions.class);
  }

  /** The learning pipeline in streaming mode, built and not run (tests translate it). */
  public static Pipeline build(LearnOptions options, FeatureSpec spec) {
    options.setStreaming(true);
    Pipeline p = Pipeline.create(options);
    LearnPipeline.build(p, options, spec);
    return p;
  }
}
