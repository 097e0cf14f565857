package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/** The tests of {@link SinkRestartIT} on the per-run-topic layout. */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicSinkRestartIT extends SinkRestartIT {}
