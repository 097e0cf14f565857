package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/** The tests of {@link RunLifecycleIT} on the per-run-topic layout. */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicRunLifecycleIT extends RunLifecycleIT {}
