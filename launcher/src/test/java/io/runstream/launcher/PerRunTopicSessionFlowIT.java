package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/** The tests of {@link SessionFlowIT} on the per-run-topic layout. */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicSessionFlowIT extends SessionFlowIT {}
