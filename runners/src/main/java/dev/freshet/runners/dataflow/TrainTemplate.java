package dev.freshet.runners.dataflow;

import dev.freshet.pipelines.features.Specs;
import dev.freshet.pipelines.train.TrainJob;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.transforms.features.FeatureSpec;
import java.io.IOException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code train} flex template's main class: the bounded training pipeline as one batch job.
 *
 * <p>On a laptop {@code freshet train} runs the Beam part and then trains in its own JVM; a flex
 * template's launcher cannot wait for a job, so here the model part runs in the job itself: the
 * same examples ({@link TrainJob#examples}) go to one worker, which trains, evaluates, registers
 * and promotes exactly as {@link dev.freshet.pipelines.train.TrainAndRegister#fit} does locally (on
 * its GPU when the job has {@code --device=gpu|auto} and a worker accelerator).
 */
public final class TrainTemplate {
  private TrainTemplate() {}

  public static void main(String[] args) throws IOException {
    PipelineOptionsFactory.register(TrainOptions.class);
    TrainOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(TrainOptions.class);
    build(options, Specs.load(options)).run();
  }

  /** The training job, built and not run (tests translate it). */
  public static Pipeline build(TrainOptions options, FeatureSpec spec) {
    Pipeline p = Pipeline.create(options);
    TrainJob.examples(p, options, spec, statsPath(options))
        .apply("FitAndRegister", FitAndRegister.of(spec));
    return p;
  }

  /** Column statistics of the run: {@code <tempLocation>/freshet-train/<jobName>/...}. */
  static String statsPath(TrainOptions options) {
    if (options.getTempLocation() == null || options.getTempLocation().isBlank()) {
      throw new IllegalArgumentException(
          "the train template needs --tempLocation (gs://...) for its feature statistics");
    }
    return FileSystems.matchNewResource(options.getTempLocation(), true)
        .resolve("freshet-train", StandardResolveOptions.RESOLVE_DIRECTORY)
        .resolve(options.getJobName(), StandardResolveOptions.RESOLVE_DIRECTORY)
        .resolve("feature-stats.json", StandardResolveOptions.RESOLVE_FILE)
        .toString();
  }
}
