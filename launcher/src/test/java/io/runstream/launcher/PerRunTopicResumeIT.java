package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/**
 * Every resume test of {@link ResumeIT}, on the per-run-topic layout (each run in its own topic).
 */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicResumeIT extends ResumeIT {
  // The usage roll-ups run in the main context only: a second application over the same chunks
  // would write the
  // same roll-up keys (UsageTopologyTest covers the per-run-topic source).
  static final String LAYOUT =
      "runstream.chunks.layout=per-run-topic\nrunstream.usage.enabled=false";
}
