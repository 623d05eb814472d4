package dev.freshet.transforms.events;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The two outputs of a step that reads or joins records: what it made of them, and the records it
 * could not use as dead letters with their reasons. Subclasses name the first output ({@code
 * rows()}, {@code labeled()}, {@code predictions()}).
 */
public abstract class WithDeadLetters<T> implements POutput {
  private final TupleTag<T> tag;
  private final PCollection<T> output;
  private final TupleTag<DeadLetter> deadTag;
  private final PCollection<DeadLetter> deadLetters;

  protected WithDeadLetters(
      TupleTag<T> tag,
      PCollection<T> output,
      TupleTag<DeadLetter> deadTag,
      PCollection<DeadLetter> deadLetters) {
    this.tag = tag;
    this.output = output;
    this.deadTag = deadTag;
    this.deadLetters = deadLetters;
  }

  protected PCollection<T> output() {
    return output;
  }

  public PCollection<DeadLetter> deadLetters() {
    return deadLetters;
  }

  @Override
  public Pipeline getPipeline() {
    return output.getPipeline();
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(tag, output, deadTag, deadLetters);
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
