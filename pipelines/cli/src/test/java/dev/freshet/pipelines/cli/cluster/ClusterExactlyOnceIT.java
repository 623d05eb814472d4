package dev.freshet.pipelines.cli.cluster;

import java.util.List;

/**
 * {@link ClusterFaultsIT} with serve's Kafka writes in transactions ({@code
 * --deliveryGuarantee=EXACTLY_ONCE}): the same three faults, every payment predicted, none
 * predicted twice, and learn's labels each learnt once.
 *
 * <p>This variant first showed learn losing labels: two chargebacks reach learn hours of this
 * replay's event time behind its watermark (late examples, logged), and a restored learner used to
 * skip them by label time; it now resumes from its checkpoint's base version (docs/faults.md).
 */
public class ClusterExactlyOnceIT extends ClusterFaultsIT {
  @Override
  protected List<String> moreServeArgs() {
    return List.of("--deliveryGuarantee=EXACTLY_ONCE");
  }
}
