package dev.freshet.transforms.testing;

import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;

/** The runners every runner-sensitive test runs on: the direct runner and embedded Flink. */
public final class Runners {
  public static final String DIRECT = "direct";
  public static final String FLINK = "flink";

  private Runners() {}

  /** Parameters for {@code @Parameterized} tests. */
  public static Iterable<Object[]> both() {
    return java.util.List.of(new Object[] {DIRECT}, new Object[] {FLINK});
  }

  public static PipelineOptions options(String runner) {
    if (FLINK.equals(runner)) {
      FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      options.setRunner(FlinkRunner.class);
      options.setFlinkMaster("[local]");
      options.setParallelism(1);
      options.setMaxBundleTimeMills(50L);
      return options;
    }
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return options;
  }

  public static TestPipeline pipeline(String runner) {
    return TestPipeline.fromOptions(options(runner)).enableAbandonedNodeEnforcement(true);
  }
}
