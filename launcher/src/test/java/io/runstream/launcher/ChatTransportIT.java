package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #14 item 1: the AI SDK ChatTransport of {@code clients/js}, its own tests run with Node against this platform:
 * a full turn and a follow-up assembled by the AI SDK's {@code readUIMessageStream} equal the stored transcript, a
 * network drop mid-stream is resumed exactly, {@code stop} stops the model, a stop from elsewhere ends the reply as a
 * stopped message (issue #27), and a reload resumes the live run.
 */
class ChatTransportIT extends PlatformIT {
  private static final Path CLIENT = Path.of("..", "clients", "js");

  @Test
  void shouldPassTheTransportsOwnTestsAgainstTheRunningPlatform() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), CLIENT, "ai", "eventsource-parser");
    ExternalClients.Finished run = ExternalClients.run(CLIENT, Duration.ofMinutes(3), node.get().toString(),
        "--test-reporter=spec", "test/transport.test.mjs", api().base(), TestApi.freshToken());
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout()).as(run.describe()).contains("pass 6").contains("fail 0");
  }
}
