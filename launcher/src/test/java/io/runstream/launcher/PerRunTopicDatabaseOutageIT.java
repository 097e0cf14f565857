package io.runstream.launcher;

import org.springframework.test.context.TestPropertySource;

/** The tests of {@link DatabaseOutageIT} on the per-run-topic layout. */
@TestPropertySource(properties = PerRunTopicResumeIT.LAYOUT)
class PerRunTopicDatabaseOutageIT extends DatabaseOutageIT {}
