package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/**
 * The lost-worker tests of {@link LostWorkerIT} on the per-run-topic layout: the reaper ends the
 * run in its topic.
 */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicLostWorkerIT extends LostWorkerIT {}
