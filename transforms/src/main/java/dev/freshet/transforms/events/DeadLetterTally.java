package dev.freshet.transforms.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * What became of a bounded run's records, per source: how many were usable and how many became dead
 * letters, by reason, with one example of each reason's detail. It is what a person needs when a
 * run produced fewer examples than expected ("3,000 of 3,000 chargebacks were dead letters:
 * WRONG_TYPE 3,000, e.g. field 'label' should be a long but is "UP""), so a command prints it after
 * every run and cites it in the errors the dead letters cause.
 *
 * <p>Computed in the pipeline by {@link #counting} (one element, mergeable, on any runner), usable
 * as a side input by a step that may fail for lack of data, and written as JSON ({@link #toJson})
 * for the command that launched the run. The example of a reason is the smallest of its details in
 * string order, so the tally does not depend on the order the runner merged it in. Mutable while it
 * is being merged.
 */
public final class DeadLetterTally implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_EXAMPLE_CHARS = 300;

  /** Per source: usable records (-1: not counted, e.g. labels) and dead letters by reason. */
  private final TreeMap<String, Long> valid = new TreeMap<>();

  private final TreeMap<String, TreeMap<DeadLetterReason, Reason>> dead = new TreeMap<>();

  /** One reason's count and example detail. */
  private static final class Reason implements Serializable {
    long count;
    String example;

    Reason(long count, String example) {
      this.count = count;
      this.example = example;
    }
  }

  /** Nothing counted. */
  public static DeadLetterTally empty() {
    return new DeadLetterTally();
  }

  /** One dead letter. */
  public static DeadLetterTally of(DeadLetter letter) {
    return empty().addDead(letter.source(), letter.reason(), 1, example(letter.detail()));
  }

  /** {@code count} usable records of {@code source}. */
  public static DeadLetterTally valid(String source, long count) {
    DeadLetterTally tally = empty();
    tally.valid.put(source, count);
    return tally;
  }

  private static String example(String detail) {
    return detail.length() <= MAX_EXAMPLE_CHARS
        ? detail
        : detail.substring(0, MAX_EXAMPLE_CHARS) + "...";
  }

  private DeadLetterTally addDead(String source, DeadLetterReason reason, long n, String example) {
    dead.computeIfAbsent(source, s -> new TreeMap<>())
        .merge(
            reason,
            new Reason(n, example),
            (a, b) -> {
              a.count += b.count;
              a.example = a.example.compareTo(b.example) <= 0 ? a.example : b.example;
              return a;
            });
    return this;
  }

  /** Adds {@code other}'s counts to these; returns this. */
  public DeadLetterTally merge(DeadLetterTally other) {
    other.valid.forEach((source, n) -> valid.merge(source, n, Long::sum));
    other.dead.forEach(
        (source, reasons) ->
            reasons.forEach((reason, r) -> addDead(source, reason, r.count, r.example)));
    return this;
  }

  /**
   * The tally of a run: applied to its dead letters, with the usable records of each source named
   * in {@code valid} (parsed events, outcomes) counted alongside. One element, also when nothing
   * was dead.
   */
  public static PTransform<PCollection<DeadLetter>, PCollection<DeadLetterTally>> counting(
      Map<String, PCollection<?>> valid) {
    return new PTransform<>() {
      @Override
      public PCollection<DeadLetterTally> expand(PCollection<DeadLetter> deadLetters) {
        List<PCollection<DeadLetterTally>> parts = new ArrayList<>();
        parts.add(
            deadLetters
                .apply(
                    "EachDeadLetter",
                    MapElements.into(TypeDescriptor.of(DeadLetterTally.class))
                        .via(DeadLetterTally::of))
                .setCoder(coder()));
        valid.forEach((source, records) -> parts.add(countValid(source, records)));
        return PCollectionList.of(parts)
            .apply("AllCounts", Flatten.pCollections())
            .apply("Tally", Combine.globally(new MergeFn()))
            .setCoder(coder());
      }
    };
  }

  private static <T> PCollection<DeadLetterTally> countValid(
      String source, PCollection<T> records) {
    return records
        .apply("Count_" + source, Count.globally())
        .apply(
            "Valid_" + source,
            MapElements.into(TypeDescriptor.of(DeadLetterTally.class))
                .via((Long n) -> valid(source, n)))
        .setCoder(coder());
  }

  /** Writes the (single) tally as one JSON file at {@code file}, on any Beam file system. */
  public static PTransform<PCollection<DeadLetterTally>, PDone> writeTo(String file) {
    return new PTransform<>() {
      @Override
      public PDone expand(PCollection<DeadLetterTally> tally) {
        return tally
            .apply(
                "TallyJson",
                MapElements.into(TypeDescriptors.strings()).via(DeadLetterTally::toJson))
            .apply("WriteTally", TextIO.write().to(file).withoutSharding());
      }
    };
  }

  /** Reads a tally written by {@link #writeTo}; an empty tally when the file is not there. */
  public static DeadLetterTally read(String file) throws IOException {
    MatchResult match = FileSystems.match(file, EmptyMatchTreatment.ALLOW);
    if (match.metadata().isEmpty()) {
      return empty();
    }
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(match.metadata().get(0).resourceId()))) {
      return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Java serialisation: one element per run. */
  public static SerializableCoder<DeadLetterTally> coder() {
    return SerializableCoder.of(DeadLetterTally.class);
  }

  /** Merges tallies. */
  static final class MergeFn
      extends Combine.CombineFn<DeadLetterTally, DeadLetterTally, DeadLetterTally> {
    @Override
    public DeadLetterTally createAccumulator() {
      return empty();
    }

    @Override
    public DeadLetterTally addInput(DeadLetterTally accumulator, DeadLetterTally input) {
      return accumulator.merge(input);
    }

    @Override
    public DeadLetterTally mergeAccumulators(Iterable<DeadLetterTally> accumulators) {
      DeadLetterTally merged = empty();
      accumulators.forEach(merged::merge);
      return merged;
    }

    @Override
    public DeadLetterTally extractOutput(DeadLetterTally accumulator) {
      return accumulator;
    }
  }

  /** Usable records of {@code source}; -1 when they were not counted. */
  public long valid(String source) {
    return valid.getOrDefault(source, -1L);
  }

  /** Dead letters of {@code source}. */
  public long dead(String source) {
    return dead.getOrDefault(source, new TreeMap<>()).values().stream()
        .mapToLong(r -> r.count)
        .sum();
  }

  /** Dead letters of {@code source} for {@code reason}. */
  public long dead(String source, DeadLetterReason reason) {
    Reason r = dead.getOrDefault(source, new TreeMap<>()).get(reason);
    return r == null ? 0 : r.count;
  }

  /** Dead letters of every source. */
  public long dead() {
    return dead.keySet().stream().mapToLong(this::dead).sum();
  }

  /**
   * Why {@code source}'s records were dead, for an error message: "3,000 of 3,000 chargebacks were
   * dead letters: WRONG_TYPE 3,000 (e.g. field 'label' should be a long but is "UP")"; empty when
   * none was.
   */
  public String explain(String source) {
    long n = dead(source);
    if (n == 0) {
      return "";
    }
    long in = valid(source) < 0 ? -1 : valid(source) + n;
    StringBuilder text = new StringBuilder();
    text.append(
        in < 0
            ? String.format(Locale.ROOT, "%,d %s were dead letters", n, source)
            : String.format(Locale.ROOT, "%,d of %,d %s were dead letters", n, in, source));
    text.append(": ");
    List<String> reasons = new ArrayList<>();
    dead.get(source)
        .forEach(
            (reason, r) ->
                reasons.add(
                    String.format(Locale.ROOT, "%s %,d (e.g. %s)", reason, r.count, r.example)));
    return text.append(String.join("; ", reasons)).toString();
  }

  /** {@link #explain} of every source with dead letters, one sentence each; empty if none. */
  public String explain() {
    List<String> parts = new ArrayList<>();
    for (String source : dead.keySet()) {
      parts.add(explain(source));
    }
    return String.join(". ", parts);
  }

  /** {@code message}, followed by the dead letters that may have caused it, if there were any. */
  public String cite(String message) {
    return dead() == 0 ? message : message + ". Dead letters: " + explain();
  }

  /** The summary a command prints: each source's usable records and dead letters by reason. */
  public void print(PrintStream out) {
    TreeSet<String> sources = new TreeSet<>(valid.keySet());
    sources.addAll(dead.keySet());
    out.println("dead letters by source and reason:");
    for (String source : sources) {
      long n = dead(source);
      long ok = valid(source);
      out.println(
          ok < 0
              ? String.format(Locale.ROOT, "  %-14s %,d dead letters", source, n)
              : String.format(
                  Locale.ROOT,
                  "  %-14s %,d in, %,d usable, %,d dead letters",
                  source,
                  ok + n,
                  ok,
                  n));
      dead.getOrDefault(source, new TreeMap<>())
          .forEach(
              (reason, r) ->
                  out.printf(
                      Locale.ROOT, "    %-22s %,10d   e.g. %s%n", reason, r.count, r.example));
    }
  }

  /** {"valid": {source: n}, "dead": {source: {REASON: {"count": n, "example": "..."}}}}. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode v = root.putObject("valid");
    valid.forEach(v::put);
    ObjectNode d = root.putObject("dead");
    dead.forEach(
        (source, reasons) -> {
          ObjectNode s = d.putObject(source);
          reasons.forEach(
              (reason, r) ->
                  s.putObject(reason.name()).put("count", r.count).put("example", r.example));
        });
    return root.toString();
  }

  /** Reads {@link #toJson}'s form. */
  public static DeadLetterTally fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      DeadLetterTally tally = empty();
      root.path("valid")
          .fields()
          .forEachRemaining(e -> tally.valid.put(e.getKey(), e.getValue().asLong()));
      for (Iterator<Map.Entry<String, JsonNode>> s = root.path("dead").fields(); s.hasNext(); ) {
        Map.Entry<String, JsonNode> source = s.next();
        source
            .getValue()
            .fields()
            .forEachRemaining(
                r ->
                    tally.addDead(
                        source.getKey(),
                        DeadLetterReason.valueOf(r.getKey()),
                        r.getValue().path("count").asLong(),
                        r.getValue().path("example").asText()));
      }
      return tally;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetterTally t && t.toJson().equals(toJson());
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return toJson();
  }
}
