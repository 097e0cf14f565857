package io.runstream.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.worker.WorkerProperties;
import org.junit.jupiter.api.Test;

/** runstream.worker.run-threads picks what a run runs on. */
class RunThreadsTest {
  @Test
  void shouldRunRunsOnVirtualThreadsByDefaultAndOnPlatformThreadsWhenSet() {
    Thread virtual =
        RunRequestIntake.runThreads(WorkerProperties.RunThreads.VIRTUAL).newThread(() -> {});
    assertThat(virtual.isVirtual()).isTrue();
    Thread platform =
        RunRequestIntake.runThreads(WorkerProperties.RunThreads.PLATFORM).newThread(() -> {});
    assertThat(platform.isVirtual()).isFalse();
    assertThat(platform.isDaemon()).as("a worker's runs never keep its JVM up").isTrue();
    assertThat(platform.getName()).startsWith("run-");
  }
}
