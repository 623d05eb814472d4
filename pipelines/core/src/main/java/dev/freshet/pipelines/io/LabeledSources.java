package dev.freshet.pipelines.io;

import dev.freshet.transforms.events.DeadLetter;
import dev.freshet.transforms.events.ParseResult;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/** Parsed events and outcomes of one domain, each with its dead letters. */
public final class LabeledSources implements POutput {
  private final ParseResult events;
  private final ParseResult outcomes;

  public LabeledSources(ParseResult events, ParseResult outcomes) {
    this.events = events;
    this.outcomes = outcomes;
  }

  public ParseResult events() {
    return events;
  }

  public ParseResult outcomes() {
    return outcomes;
  }

  /** Dead letters of both streams. */
  public PCollection<DeadLetter> deadLetters() {
    return PCollectionList.of(events.deadLetters())
        .and(outcomes.deadLetters())
        .apply("AllParseDeadLetters", Flatten.pCollections());
  }

  @Override
  public Pipeline getPipeline() {
    return events.getPipeline();
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    Map<TupleTag<?>, PValue> all = new java.util.HashMap<>(events.expand());
    outcomes
        .expand()
        .forEach((tag, value) -> all.put(new TupleTag<>("outcomes-" + tag.getId()), value));
    return all;
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
