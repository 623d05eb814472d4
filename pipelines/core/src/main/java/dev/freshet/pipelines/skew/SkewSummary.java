package dev.freshet.pipelines.skew;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.pipelines.skew.EventComparison.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.DoubleHistogram;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The running totals of one comparison: events by verdict, differing events per feature, the first
 * examples by event id (so a report is the same whatever the runner's order), and the distribution
 * of score differences (exact maximum and mean; quantiles to three significant digits).
 */
public final class SkewSummary {
  private static final ObjectMapper JSON = new ObjectMapper();

  final long[] byStatus = new long[Status.values().length];
  final long[] byFeature;
  final TreeMap<String, EventComparison> different = new TreeMap<>();
  final TreeMap<String, EventComparison> unmatched = new TreeMap<>();
  final TreeMap<String, Long> notRescored = new TreeMap<>();
  long scored;
  long scoresDiffering;
  double maxScoreDiff;
  double sumScoreDiff;
  DoubleHistogram scoreDiffs = new DoubleHistogram(3);

  /** The report of a comparison that no event reached. */
  public static ObjectNode emptyReport(Comparison comparison, List<String> featureNames) {
    return new SkewSummary(featureNames.size()).report(comparison, featureNames);
  }

  SkewSummary(int features) {
    byFeature = new long[features];
  }

  void add(EventComparison c, int maxExamples) {
    byStatus[c.status().ordinal()]++;
    for (int f : c.features()) {
      if (f < byFeature.length) {
        byFeature[f]++;
      }
    }
    if (c.status() == Status.DIFFERENT) {
      keep(different, c, maxExamples);
    } else if (c.status() != Status.IDENTICAL) {
      keep(unmatched, c, maxExamples);
    }
    if (c.scored()) {
      double d = Math.abs((double) c.loggedScore() - (double) c.rescored());
      scored++;
      scoresDiffering += d > 0 ? 1 : 0;
      maxScoreDiff = Math.max(maxScoreDiff, d);
      sumScoreDiff += d;
      scoreDiffs.recordValue(d);
    } else if (c.note() != null && c.status() != Status.SPEC_MISMATCH) {
      notRescored.merge(c.note(), 1L, Long::sum);
    }
  }

  private static void keep(TreeMap<String, EventComparison> kept, EventComparison c, int max) {
    if (max <= 0) {
      return;
    }
    kept.put(c.eventId(), c);
    if (kept.size() > max) {
      kept.pollLastEntry();
    }
  }

  void merge(SkewSummary o, int maxExamples) {
    for (int i = 0; i < byStatus.length; i++) {
      byStatus[i] += o.byStatus[i];
    }
    for (int i = 0; i < byFeature.length; i++) {
      byFeature[i] += o.byFeature[i];
    }
    o.different.values().forEach(c -> keep(different, c, maxExamples));
    o.unmatched.values().forEach(c -> keep(unmatched, c, maxExamples));
    o.notRescored.forEach((k, v) -> notRescored.merge(k, v, Long::sum));
    scored += o.scored;
    scoresDiffering += o.scoresDiffering;
    maxScoreDiff = Math.max(maxScoreDiff, o.maxScoreDiff);
    sumScoreDiff += o.sumScoreDiff;
    scoreDiffs.add(o.scoreDiffs);
  }

  long count(Status status) {
    return byStatus[status.ordinal()];
  }

  /** The report of this comparison (see docs/skew-check.md for the fields). */
  ObjectNode report(Comparison comparison, List<String> featureNames) {
    ObjectNode node = JSON.createObjectNode();
    node.put("comparison", comparison.id());
    node.put("left", comparison.leftName());
    node.put("right", comparison.rightName());
    long population = 0;
    long divergent = 0;
    for (Status s : Status.values()) {
      population += comparison.inPopulation(s) ? count(s) : 0;
      divergent += comparison.divergent(s) ? count(s) : 0;
    }
    node.put("events", population);
    node.put("compared", count(Status.IDENTICAL) + count(Status.DIFFERENT));
    node.put("identical", count(Status.IDENTICAL));
    node.put("different", count(Status.DIFFERENT));
    node.put("only_" + comparison.leftName(), count(Status.ONLY_LEFT));
    node.put("only_" + comparison.rightName(), count(Status.ONLY_RIGHT));
    if (comparison == Comparison.LOGGED) {
      node.put("spec_mismatch", count(Status.SPEC_MISMATCH));
    }
    node.put("divergent", divergent);
    node.put("divergent_share", population == 0 ? 0.0 : divergent / (double) population);
    ObjectNode perFeature = node.putObject("differing_events_by_feature");
    for (int i = 0; i < byFeature.length; i++) {
      if (byFeature[i] > 0) {
        perFeature.put(featureNames.get(i), byFeature[i]);
      }
    }
    ArrayNode examples = node.putArray("examples");
    for (EventComparison c : different.values()) {
      ObjectNode e = examples.addObject();
      e.setAll(example(comparison, c));
      ArrayNode columns = e.putArray("features");
      for (int k = 0; k < c.features().length; k++) {
        ObjectNode col = columns.addObject();
        col.put("feature", featureNames.get(c.features()[k]));
        col.put(comparison.leftName(), c.left()[k]);
        col.put(comparison.rightName(), c.right()[k]);
      }
    }
    ArrayNode others = node.putArray("unmatched_examples");
    for (EventComparison c : unmatched.values()) {
      ObjectNode e = example(comparison, c);
      e.put("status", c.status().name());
      if (c.note() != null) {
        e.put("note", c.note());
      }
      others.add(e);
    }
    if (comparison == Comparison.LOGGED) {
      ObjectNode scores = node.putObject("score_differences");
      scores.put("scored", scored);
      scores.put("differing", scoresDiffering);
      scores.put("max", maxScoreDiff);
      scores.put("mean", scored == 0 ? 0.0 : sumScoreDiff / scored);
      scores.put("p50", scored == 0 ? 0.0 : scoreDiffs.getValueAtPercentile(50));
      scores.put(
          "p99", scored == 0 ? 0.0 : Math.min(maxScoreDiff, scoreDiffs.getValueAtPercentile(99)));
      ObjectNode missing = scores.putObject("not_rescored");
      notRescored.forEach(missing::put);
    }
    return node;
  }

  private static ObjectNode example(Comparison comparison, EventComparison c) {
    ObjectNode e = JSON.createObjectNode();
    e.put("event_id", c.eventId());
    if (c.timeMillis() != Long.MIN_VALUE) {
      e.put("event_time", Instant.ofEpochMilli(c.timeMillis()).toString());
    }
    if (!Float.isNaN(c.loggedScore())) {
      e.put("logged_score", c.loggedScore());
    }
    if (!Float.isNaN(c.rescored())) {
      e.put("rescored_score", c.rescored());
    }
    return e;
  }

  /** Combines the verdicts of one comparison into its report (one JSON object). */
  public static final class Fn extends Combine.CombineFn<EventComparison, SkewSummary, String> {
    private final Comparison comparison;
    private final List<String> featureNames;
    private final int maxExamples;

    public Fn(Comparison comparison, List<String> featureNames, int maxExamples) {
      this.comparison = comparison;
      this.featureNames = List.copyOf(featureNames);
      this.maxExamples = maxExamples;
    }

    @Override
    public SkewSummary createAccumulator() {
      return new SkewSummary(featureNames.size());
    }

    @Override
    public SkewSummary addInput(SkewSummary acc, EventComparison input) {
      acc.add(input, maxExamples);
      return acc;
    }

    @Override
    public SkewSummary mergeAccumulators(Iterable<SkewSummary> accumulators) {
      SkewSummary out = createAccumulator();
      accumulators.forEach(a -> out.merge(a, maxExamples));
      return out;
    }

    @Override
    public String extractOutput(SkewSummary acc) {
      return acc.report(comparison, featureNames).toString();
    }

    @Override
    public Coder<SkewSummary> getAccumulatorCoder(
        CoderRegistry registry, Coder<EventComparison> inputCoder) {
      return new SummaryCoder();
    }

    @Override
    public Coder<String> getDefaultOutputCoder(
        CoderRegistry registry, Coder<EventComparison> inputCoder) {
      return StringUtf8Coder.of();
    }
  }

  /** Deterministic coder of the running totals; the histogram in its compressed encoding. */
  static final class SummaryCoder extends CustomCoder<SkewSummary> {
    private static final EventComparison.Coder EXAMPLE = new EventComparison.Coder();

    @Override
    public void encode(SkewSummary s, OutputStream out) throws IOException {
      VarIntCoder.of().encode(s.byFeature.length, out);
      for (long v : s.byStatus) {
        VarLongCoder.of().encode(v, out);
      }
      for (long v : s.byFeature) {
        VarLongCoder.of().encode(v, out);
      }
      for (TreeMap<String, EventComparison> kept : List.of(s.different, s.unmatched)) {
        VarIntCoder.of().encode(kept.size(), out);
        for (EventComparison c : kept.values()) {
          EXAMPLE.encode(c, out);
        }
      }
      VarIntCoder.of().encode(s.notRescored.size(), out);
      for (Map.Entry<String, Long> e : s.notRescored.entrySet()) {
        StringUtf8Coder.of().encode(e.getKey(), out);
        VarLongCoder.of().encode(e.getValue(), out);
      }
      VarLongCoder.of().encode(s.scored, out);
      VarLongCoder.of().encode(s.scoresDiffering, out);
      DoubleCoder.of().encode(s.maxScoreDiff, out);
      DoubleCoder.of().encode(s.sumScoreDiff, out);
      ByteBuffer buffer = ByteBuffer.allocate(s.scoreDiffs.getNeededByteBufferCapacity());
      int length = s.scoreDiffs.encodeIntoCompressedByteBuffer(buffer);
      byte[] bytes = new byte[length];
      buffer.flip();
      buffer.get(bytes);
      ByteArrayCoder.of().encode(bytes, out);
    }

    @Override
    public SkewSummary decode(InputStream in) throws IOException {
      SkewSummary s = new SkewSummary(VarIntCoder.of().decode(in));
      for (int i = 0; i < s.byStatus.length; i++) {
        s.byStatus[i] = VarLongCoder.of().decode(in);
      }
      for (int i = 0; i < s.byFeature.length; i++) {
        s.byFeature[i] = VarLongCoder.of().decode(in);
      }
      for (TreeMap<String, EventComparison> kept : List.of(s.different, s.unmatched)) {
        int n = VarIntCoder.of().decode(in);
        for (int i = 0; i < n; i++) {
          EventComparison c = EXAMPLE.decode(in);
          kept.put(c.eventId(), c);
        }
      }
      int reasons = VarIntCoder.of().decode(in);
      for (int i = 0; i < reasons; i++) {
        s.notRescored.put(StringUtf8Coder.of().decode(in), VarLongCoder.of().decode(in));
      }
      s.scored = VarLongCoder.of().decode(in);
      s.scoresDiffering = VarLongCoder.of().decode(in);
      s.maxScoreDiff = DoubleCoder.of().decode(in);
      s.sumScoreDiff = DoubleCoder.of().decode(in);
      byte[] bytes = ByteArrayCoder.of().decode(in);
      try {
        s.scoreDiffs = DoubleHistogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
      } catch (DataFormatException e) {
        throw new IOException("corrupt score histogram", e);
      }
      return s;
    }
  }
}
