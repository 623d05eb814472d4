package dev.freshet.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.pipelines.archive.ArchiveOptions;
import dev.freshet.pipelines.cli.run.RunOptions;
import dev.freshet.pipelines.features.FeaturesOptions;
import dev.freshet.pipelines.features.SpecOptions;
import dev.freshet.pipelines.freshness.FreshnessOptions;
import dev.freshet.pipelines.kafka.KafkaOptions;
import dev.freshet.pipelines.learn.LearnOptions;
import dev.freshet.pipelines.serve.ServeOptions;
import dev.freshet.pipelines.skew.SkewCheckOptions;
import dev.freshet.pipelines.train.ModelOptions;
import dev.freshet.pipelines.train.TrainOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The command line's contract for mistakes: exit status 2 and a message that says what to do. */
public class FreshetTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test(timeout = 60_000)
  public void serveWithUnreachableKafkaExitsNonZeroNamingTheServers() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "serve",
            "--bootstrapServers=127.0.0.1:1",
            "--registry=" + tmp.getRoot());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: no Kafka broker answered at --bootstrapServers=127.0.0.1:1")
        .doesNotContain("\tat ");
  }

  @Test
  public void anUnknownOptionIsNamed() {
    StringWriter err = new StringWriter();
    int status = Freshet.execute(new PrintWriter(err, true), "serve", "--bootstrapServer=x:1");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .contains("'bootstrapServer'")
        .contains("Did you mean 'bootstrapServers'");
  }

  @Test
  public void archiveNamesABadOptionBeforeContactingKafka() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "archive",
            "--bootstrapServers=127.0.0.1:1",
            "--archiveDir=" + tmp.getRoot(),
            "--numShards=0");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: --numShards must be between 1 and 1024, got 0");
  }

  /**
   * Every command's options together in one JVM, as in the tests and in a user's pipeline that
   * reuses several: Beam refuses an option declared twice with different defaults or types.
   */
  @Test
  public void allOptionsInterfacesAgreeOnSharedOptions() {
    List<Class<? extends PipelineOptions>> all =
        List.of(
            SpecOptions.class,
            FeaturesOptions.class,
            ModelOptions.class,
            TrainOptions.class,
            KafkaOptions.class,
            ServeOptions.class,
            LearnOptions.class,
            RunOptions.class,
            ArchiveOptions.class,
            SkewCheckOptions.class,
            FreshnessOptions.class);
    all.forEach(PipelineOptionsFactory::register);
    for (Class<? extends PipelineOptions> options : all) {
      assertThat(PipelineOptionsFactory.fromArgs().as(options)).as(options.getName()).isNotNull();
    }
  }
}
