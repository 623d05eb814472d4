package dev.freshet.runners.dataflow;

import dev.freshet.model.examples.Example;
import dev.freshet.pipelines.train.TrainAndRegister;
import dev.freshet.pipelines.train.TrainOptions;
import dev.freshet.transforms.features.FeatureSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Training examples → one model, trained, evaluated and registered on one worker with the job's
 * {@link TrainOptions}; outputs one line naming the registered version and whether it was promoted.
 * All examples meet on one worker, as they meet in one JVM for {@code freshet train}.
 */
public final class FitAndRegister extends PTransform<PCollection<Example>, PCollection<String>> {
  private static final String ALL = "all";

  private final FeatureSpec spec;

  private FitAndRegister(FeatureSpec spec) {
    this.spec = spec;
  }

  public static FitAndRegister of(FeatureSpec spec) {
    return new FitAndRegister(spec);
  }

  @Override
  public PCollection<String> expand(PCollection<Example> examples) {
    return examples
        .apply("OneGroup", WithKeys.of(ALL))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), Example.ExampleCoder.of()))
        .apply("AllExamples", GroupByKey.create())
        .apply("Fit", ParDo.of(new FitFn(spec)));
  }

  /** Wires {@link TrainAndRegister#fit} to the grouped examples and the job's options. */
  static final class FitFn extends DoFn<KV<String, Iterable<Example>>, String> {
    private final FeatureSpec spec;

    FitFn(FeatureSpec spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<Example>> all,
        PipelineOptions options,
        OutputReceiver<String> out)
        throws Exception {
      List<Example> examples = new ArrayList<>();
      all.getValue().forEach(examples::add);
      TrainAndRegister.Outcome outcome =
          TrainAndRegister.fit(options.as(TrainOptions.class), spec, examples, System.out);
      out.output(outcome.versionId() + (outcome.promoted() ? " promoted" : " kept as candidate"));
    }
  }
}
