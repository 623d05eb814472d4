package dev.freshet.pipelines.cli.cluster;

import java.util.List;

/**
 * {@link ClusterFaultsIT} with serve's Kafka writes in transactions ({@code
 * --deliveryGuarantee=EXACTLY_ONCE}): the same three faults, every payment predicted, and none
 * predicted twice.
 *
 * <p>Learn's label count is printed, not asserted: with serve's predictions visible only at
 * checkpoints (2 s here, about 22 hours of this replay's event time), learn's last decision counted
 * 2 and 14 fewer labels than the payments labelled by its label time in two of three runs (exact in
 * the third, with 2 outcomes dead-lettered as OUTCOME_AFTER_TIMEOUT); docs/faults.md, "Exactly
 * once". At-least-once serve ({@link ClusterFaultsIT}) keeps it exact.
 */
public class ClusterExactlyOnceIT extends ClusterFaultsIT {
  @Override
  protected List<String> moreServeArgs() {
    return List.of("--deliveryGuarantee=EXACTLY_ONCE");
  }

  @Override
  protected boolean checksLearntLabels() {
    return false;
  }
}
