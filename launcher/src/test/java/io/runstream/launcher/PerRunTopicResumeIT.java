package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/** Every resume test of {@link ResumeIT}, on the per-run-topic layout (each run in its own topic). */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicResumeIT extends ResumeIT {
  static final String LAYOUT = "runstream.chunks.layout=per-run-topic";
}
