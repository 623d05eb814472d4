package dev.freshet.pipelines;

import dev.freshet.pipelines.features.FeaturesCommand;
import dev.freshet.pipelines.kafka.ReplayCommand;
import dev.freshet.pipelines.train.ModelsCommand;
import dev.freshet.pipelines.train.TrainCommand;
import java.util.List;
import java.util.concurrent.Callable;
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
      Freshet.Features.class,
      Freshet.Train.class,
      ModelsCommand.class,
      ReplayCommand.class,
      Freshet.GenerateFraud.class
    })
public final class Freshet implements Callable<Integer> {

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  @Command(
      name = "features",
      description =
          "Features and natural labels over files (Beam options: --domain=FRAUD|FLIGHTS, --events=..., --runner=FlinkRunner; --help lists them).")
  static final class Features implements Callable<Integer> {
    @Unmatched List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return FeaturesCommand.run(args.toArray(new String[0]), System.out);
    }
  }

  @Command(
      name = "train",
      description =
          "Train a model on features and natural labels from files, evaluate it on the latest part and register it (--help lists the options).")
  static final class Train implements Callable<Integer> {
    @Unmatched List<String> args = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return TrainCommand.run(args.toArray(new String[0]), System.out);
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
    System.exit(new CommandLine(new Freshet()).execute(args));
  }
}
