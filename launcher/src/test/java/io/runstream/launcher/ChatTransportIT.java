package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #14 item 1, issue #29 item 2: the AI SDK ChatTransport of {@code clients/js}, its own tests
 * run with Node against this platform, once per {@code ai} version its peer range claims (the
 * installs of {@code src/test/node/ai-sdk/vN}, loaded by {@code test/ai-from.mjs}): a full turn and
 * a follow-up assembled by the AI SDK's {@code readUIMessageStream} equal the stored transcript, a
 * network drop mid-stream is resumed exactly, {@code stop} stops the model, a stop from elsewhere
 * ends the reply as a stopped message (issue #27), a reload resumes the live run, useChat's
 * headers, body and metadata reach the server, {@code regenerate()} and an edit ask again without
 * the regenerated answer, and file parts are read by the server. And the transport's type
 * declarations check with TypeScript against the AI SDK's types.
 */
class ChatTransportIT extends PlatformIT {
  private static final Path CLIENT = Path.of("..", "clients", "js");
  private static final Path SDKS = Path.of("src", "test", "node", "ai-sdk");

  /** The folder of each version under test, and the version prefix the run must report. */
  private static final Map<String, String> VERSIONS = new LinkedHashMap<>();

  static {
    VERSIONS.put("v5", "5.");
    VERSIONS.put("v6", "6.");
    VERSIONS.put("v7", "7.0.173");
  }

  @Test
  void shouldPassTheTransportsOwnTestsAgainstTheRunningPlatformOnEveryAiVersionItClaims()
      throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), CLIENT, "ai", "eventsource-parser", "typescript");
    // The type declarations (src/index.d.ts) check against the AI SDK's own types: the transport is
    // a ChatTransport.
    ExternalClients.Finished types =
        ExternalClients.run(
            CLIENT,
            Duration.ofMinutes(2),
            node.get().toString(),
            "node_modules/typescript/bin/tsc",
            "-p",
            "test/types/tsconfig.json");
    assertThat(types.exitCode()).as(types.describe()).isZero();
    for (Map.Entry<String, String> sdk : VERSIONS.entrySet()) {
      Path folder = SDKS.resolve(sdk.getKey());
      ExternalClients.installNodeClients(npm.get(), folder, "ai");
      ExternalClients.Finished run =
          ExternalClients.run(
              CLIENT,
              Duration.ofMinutes(3),
              Map.of(
                  "RUNSTREAM_AI_SDK",
                  folder.toAbsolutePath().toString(),
                  "RUNSTREAM_AI_SDK_VERSION",
                  sdk.getValue()),
              node.get().toString(),
              "--import",
              "./test/ai-from.mjs",
              "--test-reporter=spec",
              "test/transport.test.mjs",
              api().base(),
              TestApi.freshToken());
      assertThat(run.exitCode()).as("ai %s: %s", sdk.getValue(), run.describe()).isZero();
      assertThat(run.stdout())
          .as(run.describe())
          .contains("the AI SDK under test is ai " + sdk.getValue())
          // ai 5 has no tool approvals: their test is skipped there.
          .contains(sdk.getKey().equals("v5") ? "pass 11" : "pass 13")
          .contains("fail 0");
    }
  }
}
