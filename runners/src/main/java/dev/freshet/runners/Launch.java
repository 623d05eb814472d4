package dev.freshet.runners;

import dev.freshet.pipelines.archive.ArchiveJob;
import dev.freshet.pipelines.launch.OptionNames;
import dev.freshet.pipelines.learn.LearnJob;
import dev.freshet.pipelines.serve.ServeJob;
import dev.freshet.pipelines.train.TrainJob;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker jar's main class: launches one of the pipelines a cluster runs, with Beam-style
 * options, exactly as the {@code freshet} command does (same checks, defaults and help), so the
 * worker jar can submit itself to a Flink cluster ({@code java -jar
 * freshet-runners-<version>-bundled.jar serve --runner=FlinkRunner --flinkMaster=host:8081 ...}) or
 * be given to {@code flink run}.
 *
 * <p>The rest of the command line (the local run, reports, replay, model management) is the {@code
 * freshet} command's, in the CLI artifact; the worker jar carries only what runs on a cluster.
 */
public final class Launch {
  /** A pipeline this jar launches. */
  @FunctionalInterface
  interface Job {
    int run(String[] args, PrintStream out) throws Exception;
  }

  static final Map<String, Job> JOBS =
      new TreeMap<>(
          Map.of(
              "serve", ServeJob::run,
              "learn", LearnJob::run,
              "archive", ArchiveJob::run,
              "train", TrainJob::run));

  private Launch() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command line; returns its exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      usage(args.length == 0 ? err : out);
      return args.length == 0 ? 2 : 0;
    }
    Job job = JOBS.get(args[0]);
    if (job == null) {
      err.println("error: unknown pipeline '" + args[0] + "'");
      usage(err);
      return 2;
    }
    try {
      OptionNames.requireCamelCase(args);
      return job.run(Arrays.copyOfRange(args, 1, args.length), out);
    } catch (IllegalArgumentException e) {
      // A bad option or missing input is the user's to fix: the message says what to do.
      err.println("error: " + e.getMessage());
      return 2;
    }
  }

  private static void usage(PrintStream out) {
    out.println(
        "Usage: java -jar freshet-runners-<version>-bundled.jar <pipeline> [--option=value ...]");
    out.println("Launches a Freshet pipeline on the runner its options name (--runner=FlinkRunner");
    out.println("--flinkMaster=host:port, DataflowRunner, DirectRunner), as `freshet <pipeline>`.");
    out.println("Pipelines: " + String.join(", ", JOBS.keySet()));
    out.println("`<pipeline> --help` lists its options.");
  }
}
