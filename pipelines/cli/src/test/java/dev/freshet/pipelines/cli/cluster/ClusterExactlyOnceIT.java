package dev.freshet.pipelines.cli.cluster;

import java.util.List;

/**
 * {@link ClusterFaultsIT} with serve's Kafka writes in transactions ({@code
 * --deliveryGuarantee=EXACTLY_ONCE}): the same three faults, and no payment predicted twice.
 */
public class ClusterExactlyOnceIT extends ClusterFaultsIT {
  @Override
  protected List<String> moreServeArgs() {
    return List.of("--deliveryGuarantee=EXACTLY_ONCE");
  }
}
