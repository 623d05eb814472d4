package dev.freshet.pipelines.cli;

import dev.freshet.pipelines.archive.ArchiveJob;
import dev.freshet.pipelines.cli.cluster.ClusterCommand;
import dev.freshet.pipelines.cli.features.FeaturesCommand;
import dev.freshet.pipelines.cli.freshness.FreshnessCommand;
import dev.freshet.pipelines.cli.models.ModelsCommand;
import dev.freshet.pipelines.cli.replay.ReplayCommand;
import dev.freshet.pipelines.cli.run.LocalRunCommand;
import dev.freshet.pipelines.cli.skew.SkewCheckCommand;
import dev.freshet.pipelines.cli.status.StatusCommand;
import dev.freshet.pipelines.launch.OptionNames;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.TrainJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.util.UserCodeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** The {@code freshet} command line. */
@Command(
    name = "freshet",
    mixinStandardHelpOptions = true,
    version = "freshet 0.1.0",
    description = "Streaming-first real-time machine learning on Apache Beam.",
    subcommands = {
      Freshet.Run.class,
      Freshet.Features.class,
      Freshet.Train.class,
      Freshet.Serve.class,
      Freshet.Learn.class,
      Freshet.Archive.class,
      Freshet.SkewCheck.class,
      Freshet.Freshness.class,
      ModelsCommand.class,
      StatusCommand.class,
      ReplayCommand.class,
      ClusterCommand.class,
      Freshet.GenerateFraud.class
    })
public final class Freshet implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /**
   * A subcommand whose options are Beam pipeline options ({@code --name=value}): picocli hands the
   * arguments over untouched and the command parses them with {@code PipelineOptionsFactory}.
   */
  abstract static class BeamCommand implements Callable<Integer> {
    @Unmatched List<String> args = new java.util.ArrayList<>();

    abstract int run(String[] args) throws Exception;

    @Override
    public Integer call() throws Exception {
      return run(args.toArray(new String[0]));
    }
  }

  @Command(
      name = "run",
      description =
          "The main job end to end on this machine: in-process Kafka, train, serve, replay a fraud stream, summary (--help lists the options).")
  static final class Run extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return LocalRunCommand.run(args, System.out);
    }
  }

  @Command(
      name = "features",
      description =
          "Features and natural labels over files (Beam options: --domain=FRAUD|FLIGHTS, --events=..., --runner=FlinkRunner; --help lists them).")
  static final class Features extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return FeaturesCommand.run(args, System.out);
    }
  }

  @Command(
      name = "train",
      description =
          "Train a model on features and natural labels from files, evaluate it on the latest part and register it (--help lists the options).")
  static final class Train extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return TrainJob.run(args, System.out);
    }
  }

  @Command(
      name = "serve",
      description =
          "Score events from Kafka with the production model and write predictions; picks up promotions without a restart (--help lists the options).")
  static final class Serve extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return ServeJob.run(args, System.out);
    }
  }

  @Command(
      name = "learn",
      description =
          "Update a copy of the production model on labelled predictions from Kafka, gate it on the smoke-test set and register candidates (--help lists the options).")
  static final class Learn extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return LearnJob.run(args, System.out);
    }
  }

  @Command(
      name = "archive",
      description =
          "Write the events, outcomes and predictions topics to Parquet files partitioned by event date and hour, readable by train (--help lists the options).")
  static final class Archive extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return ArchiveJob.run(args, System.out);
    }
  }

  @Command(
      name = "skew-check",
      description =
          "Compare feature vectors of the bounded and streaming paths, and logged predictions' vectors with recomputed ones; exit 1 on skew (--help lists the options).")
  static final class SkewCheck extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return SkewCheckCommand.run(args, System.out);
    }
  }

  @Command(
      name = "freshness",
      description =
          "What model freshness is worth: replay a labelled stream with prequential evaluation under update policies (static ... continual, retrain) and report NE, AUC and compute per policy (--help lists the options).")
  static final class Freshness extends BeamCommand {
    @Override
    int run(String[] args) throws Exception {
      return FreshnessCommand.run(args, System.out);
    }
  }

  @Command(
      name = "generate-fraud",
      description = "Generate ride-sharing fraud events (--help lists the options).")
  static final class GenerateFraud implements Callable<Integer> {
    @Unmatched List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() {
      return new CommandLine(new dev.freshet.testdata.GenerateFraud())
          .execute(args.toArray(new String[0]));
    }
  }

  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.err, true), args));
  }

  /** Runs one command line and returns its exit status; errors go to {@code err}. */
  static int execute(PrintWriter err, String... args) {
    try {
      OptionNames.requireCamelCase(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    return new CommandLine(new Freshet())
        .setErr(err)
        .setExecutionExceptionHandler(Freshet::explain)
        .execute(args);
  }

  /**
   * A bad option or missing input is the user's to fix: print the message that says what to do,
   * without a stack trace, and exit 2, also when a pipeline step found it in the data (the runner
   * wraps it, once or more). Anything else is a bug or an outage: show it whole.
   */
  private static int explain(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) throws Exception {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException) {
        commandLine.getErr().println("error: " + t.getMessage());
        return 2;
      }
      if (!isRunnerWrapper(t)) {
        break;
      }
    }
    throw e;
  }

  /** How the direct and Flink runners wrap an exception thrown in a pipeline step. */
  private static boolean isRunnerWrapper(Throwable t) {
    return t instanceof Pipeline.PipelineExecutionException
        || t instanceof UserCodeException
        || RUNNER_WRAPPERS.contains(t.getClass().getName())
        || (t.getClass() == RuntimeException.class
            && String.valueOf(t.getMessage()).startsWith("Pipeline execution failed"));
  }

  private static final Set<String> RUNNER_WRAPPERS =
      Set.of(
          "org.apache.flink.runtime.client.JobExecutionException",
          "org.apache.flink.runtime.JobException",
          "java.util.concurrent.ExecutionException",
          "java.util.concurrent.CompletionException");
}
