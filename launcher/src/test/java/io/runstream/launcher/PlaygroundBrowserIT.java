package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #14 items 2-3: the playground served at {@code /} (clients/playground, built into the
 * launcher's static resources), driven in Debian's Chromium by playwright-core against this
 * platform: sign-in, a turn with every part and a follow-up, reload mid-stream, a network drop,
 * Stop, tool approvals (Approve, Deny), a second tab, feedback, the live runs view and a
 * phone-sized screen, each reply compared with the stored transcript. Also checks that the
 * committed build is what the playground's sources build to.
 */
class PlaygroundBrowserIT extends PlatformIT {
  private static final Path PLAYGROUND = Path.of("..", "clients", "playground");

  @Test
  void shouldPassThePlaygroundsBrowserTestsAgainstTheRunningPlatform() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/chromium")),
        "Debian's chromium is not installed (bin/runstream test installs it)");
    ExternalClients.installNodeClients(
        npm.get(), PLAYGROUND, "esbuild", "playwright-core", "@ai-sdk/react", "react-dom");

    ExternalClients.Finished check =
        ExternalClients.run(
            PLAYGROUND, Duration.ofMinutes(2), node.get().toString(), "build.mjs", "--check");
    assertThat(check.exitCode()).as(check.describe()).isZero();

    Path screenshots = Path.of("target", "playground-screenshots").toAbsolutePath();
    ExternalClients.Finished run =
        ExternalClients.run(
            PLAYGROUND,
            Duration.ofMinutes(6),
            java.util.Map.of(
                "RUNSTREAM_URL",
                api().base(),
                "RUNSTREAM_TOKEN",
                TestApi.freshToken(),
                "SCREENSHOTS",
                screenshots.toString()),
            node.get().toString(),
            "--test",
            "--test-reporter=spec",
            "test/");
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.stdout()).as(run.describe()).contains("pass 9").contains("fail 0");
    assertThat(screenshots.resolve("playground-resumed-after-reload.png")).exists();
  }
}
