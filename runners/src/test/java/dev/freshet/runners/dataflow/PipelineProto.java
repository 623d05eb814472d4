package dev.freshet.runners.dataflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.construction.PTransformTranslation;
import org.apache.beam.sdk.util.construction.ParDoTranslation;

/**
 * The portable pipeline a Dataflow Runner v2 job runs: the job spec names it ({@code pipelineUrl})
 * and the runner stages it next to the job's files. It holds every transform by its full name and,
 * for each ParDo, the state and timers it declares.
 */
final class PipelineProto {
  private final RunnerApi.Pipeline pipeline;

  private PipelineProto(RunnerApi.Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  static PipelineProto of(JsonNode job) throws IOException {
    Path staged = Path.of(DataflowTranslation.options(job).path("pipelineUrl").asText());
    return new PipelineProto(RunnerApi.Pipeline.parseFrom(Files.readAllBytes(staged)));
  }

  /** Full names of the leaf transforms, the steps that run. */
  List<String> steps() {
    List<String> names = new ArrayList<>();
    for (RunnerApi.PTransform t : transforms()) {
      if (t.getSubtransformsCount() == 0) {
        names.add(t.getUniqueName());
      }
    }
    return names;
  }

  /** Full names of the ParDos that keep per-key state or set timers. */
  List<String> statefulSteps() throws IOException {
    List<String> names = new ArrayList<>();
    for (RunnerApi.PTransform t : transforms()) {
      if (PTransformTranslation.PAR_DO_TRANSFORM_URN.equals(t.getSpec().getUrn())) {
        RunnerApi.ParDoPayload payload = RunnerApi.ParDoPayload.parseFrom(t.getSpec().getPayload());
        if (payload.getStateSpecsCount() > 0 || payload.getTimerFamilySpecsCount() > 0) {
          names.add(t.getUniqueName());
        }
      }
    }
    return names;
  }

  /**
   * Full names of the GroupByKeys, where a bounded pipeline brings each key's elements together.
   */
  List<String> groupingSteps() {
    List<String> names = new ArrayList<>();
    for (RunnerApi.PTransform t : transforms()) {
      if (PTransformTranslation.GROUP_BY_KEY_TRANSFORM_URN.equals(t.getSpec().getUrn())) {
        names.add(t.getUniqueName());
      }
    }
    return names;
  }

  /**
   * The {@code GroupIntoBatches} step {@code name} as the runner translated it: its batch size and
   * longest buffering time.
   */
  RunnerApi.GroupIntoBatchesPayload groupIntoBatches(String name) throws IOException {
    RunnerApi.PTransform t = transform(name);
    if (!PTransformTranslation.GROUP_INTO_BATCHES_URN.equals(t.getSpec().getUrn())) {
      throw new AssertionError(name + " is not GroupIntoBatches but " + t.getSpec().getUrn());
    }
    return RunnerApi.GroupIntoBatchesPayload.parseFrom(t.getSpec().getPayload());
  }

  /** The DoFn of the ParDo step {@code name}, deserialised as the workers will. */
  DoFn<?, ?> doFn(String name) throws IOException {
    RunnerApi.PTransform t = transform(name);
    if (!PTransformTranslation.PAR_DO_TRANSFORM_URN.equals(t.getSpec().getUrn())) {
      throw new AssertionError(name + " is not a ParDo but " + t.getSpec().getUrn());
    }
    return ParDoTranslation.getDoFn(RunnerApi.ParDoPayload.parseFrom(t.getSpec().getPayload()));
  }

  private RunnerApi.PTransform transform(String name) {
    for (RunnerApi.PTransform t : transforms()) {
      if (t.getUniqueName().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no step " + name + " in " + steps());
  }

  private Iterable<RunnerApi.PTransform> transforms() {
    Map<String, RunnerApi.PTransform> all = pipeline.getComponents().getTransformsMap();
    return all.values();
  }
}
