package dev.freshet.runners.dataflow;

import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.serve.ServeOptions;
import dev.freshet.pipelines.train.TrainOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The Dataflow flex templates: each is a main class, the options interface its parameters come
 * from, and a {@code metadata.json} under {@code runners/dataflow/<name>/}. Terraform names its
 * {@code google_dataflow_flex_template_job} resources after these, which is how the consistency
 * check pairs a job with its template.
 */
public enum FlexTemplate {
  TRAIN(TrainOptions.class, TrainTemplate.class, false),
  SERVE(ServeOptions.class, ServeTemplate.class, true),
  LEARN(LearnOptions.class, LearnTemplate.class, true);

  private final Class<? extends PipelineOptions> options;
  private final Class<?> mainClass;
  private final boolean streaming;

  FlexTemplate(Class<? extends PipelineOptions> options, Class<?> mainClass, boolean streaming) {
    this.options = options;
    this.mainClass = mainClass;
    this.streaming = streaming;
  }

  /** The template's name: the folder of its metadata and the Terraform job's resource name. */
  public String templateName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public Class<? extends PipelineOptions> options() {
    return options;
  }

  public Class<?> mainClass() {
    return mainClass;
  }

  public boolean streaming() {
    return streaming;
  }

  /** {@code <dataflowDir>/<name>/metadata.json}. */
  public Path metadata(Path dataflowDir) {
    return dataflowDir.resolve(templateName()).resolve("metadata.json");
  }

  public static Optional<FlexTemplate> named(String name) {
    for (FlexTemplate t : values()) {
      if (t.templateName().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
