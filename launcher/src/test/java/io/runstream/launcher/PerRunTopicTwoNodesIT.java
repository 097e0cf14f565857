package io.runstream.launcher;

import java.util.Map;
import org.springframework.test.context.TestPropertySource;

/**
 * The two-node tests of {@link TwoNodesIT} (live cut-off to another node, a late node),
 * per-run-topic layout.
 */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicTwoNodesIT extends TwoNodesIT {
  @Override
  boolean lateNodeReadsBackFromKafka() {
    return false;
  }

  @Override
  Map<String, Object> nodeProperties() {
    return Map.of("runstream.chunks.layout", "per-run-topic");
  }
}
