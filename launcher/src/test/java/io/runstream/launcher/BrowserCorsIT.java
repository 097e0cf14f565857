package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #16, in a real browser: Debian's Chromium driven by playwright-core ({@code
 * browser-cors.mjs}) runs apps on another origin (a page on {@code http://localhost:<port>} calling
 * the API on {@code http://localhost:<other port>}).
 */
class BrowserCorsIT extends PlatformIT {
  private static final Path NODE_DIR = Path.of("src", "test", "node");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @Test
  void shouldRunTheSeedAndCanonicalFlowsFromAnotherOriginAndRefuseWhatIsNotAllowed()
      throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    assumeTrue(
        Files.isExecutable(CHROMIUM),
        "no /usr/bin/chromium (bin/runstream test installs Debian's chromium)");
    ExternalClients.installNodeClients(npm.get(), NODE_DIR);
    String org = "org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    String apiBase = "http://localhost:" + port;

    ExternalClients.Finished run =
        ExternalClients.run(
            NODE_DIR,
            Duration.ofSeconds(150),
            node.get().toString(),
            "browser-cors.mjs",
            apiBase,
            org,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    JsonNode result = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    String described = run.describe();

    // 1. Seed 001 from another origin: sign-in cookie, two-step fetch, EventSource with ?orgid= and
    // credentials.
    JsonNode seed = result.path("seed");
    assertThat(seed.path("signedIn").asInt()).as(described).isEqualTo(200);
    assertThat(seed.path("error").asBoolean(false)).as(described).isFalse();
    assertThat(seed.path("end").asString()).as(described).isEqualTo("{}");
    List<String> types =
        seed.path("chunks")
            .valueStream()
            .map(c -> c.path("chunk").path("type").asString())
            .distinct()
            .toList();
    assertThat(types).as(described).containsExactly("text", "usage");

    // 2. The canonical flow: the stream's connection was cut mid-run; the browser's EventSource
    // came back with its
    // last id by itself, got exactly the rest, then reconnected with the finish id and was told to
    // stop (204).
    JsonNode canonical = result.path("canonical");
    List<JsonNode> events = canonical.path("events").valueStream().toList();
    List<JsonNode> requests = canonical.path("streamRequests").valueStream().toList();
    assertThat(canonical.path("cut").asBoolean()).as(described).isTrue();
    assertThat(requests).as(described).hasSize(3);
    assertThat(requests.get(0).path("lastEventId").isNull()).as(described).isTrue();
    long cutAt = Long.parseLong(requests.get(1).path("lastEventId").asString());
    assertThat(events.getLast().path("data").asString()).as(described).isEqualTo("[DONE]");
    assertThat(cutAt)
        .as(described)
        .isBetween(1L, Long.parseLong(events.getLast().path("id").asString()) - 1);
    assertThat(requests.get(2).path("lastEventId").asString())
        .as("reconnected with the finish id")
        .isEqualTo(events.get(events.size() - 2).path("id").asString());
    List<Long> ids =
        events.subList(0, events.size() - 1).stream()
            .map(e -> Long.parseLong(e.path("id").asString()))
            .toList();
    assertThat(ids).as(described).doesNotHaveDuplicates().isSorted();
    assertThat(ids.getLast() - ids.getFirst() + 1)
        .as("contiguous ids: " + ids)
        .isEqualTo(ids.size());
    String text =
        events.stream()
            .map(e -> e.path("data").asString())
            .filter(d -> d.startsWith("{"))
            .map(TestApi.JSON::readTree)
            .filter(d -> d.path("type").asString().equals("text-delta"))
            .map(d -> d.path("delta").asString())
            .collect(Collectors.joining());
    String session = canonical.path("session").asString();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        api()
                            .get("/api/v1/sessions/" + session + "/messages", token)
                            .json()
                            .path("results")
                            .get(1)
                            .path("text")
                            .asString())
                    .isEqualTo(text));

    // 3. and 4. A page on an origin that is not allowed, and a header that is not allowed: refused
    // by the browser.
    assertThat(result.path("refusedPage").path("refused").asBoolean()).as(described).isTrue();
    assertThat(result.path("badHeader").path("refused").asBoolean()).as(described).isTrue();
    assertThat(
            api()
                .get("/api/v1/sessions", token)
                .json()
                .path("results")
                .valueStream()
                .map(s -> s.path("title").asString()))
        .doesNotContain("from a page that is not allowed");
  }
}
