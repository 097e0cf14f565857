package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Seed 001's own client code against the agent-stream face: its JavaScript (two-step {@code fetch},
 * then the real {@code eventsource} npm client with {@code ?orgid=} and the cookie only) and its
 * Python example (Debian's {@code python3-requests}, reading the stream through an {@code
 * sseclient}-compatible parser).
 */
class AgentStreamClientsIT extends PlatformIT {
  private static final Path NODE_DIR = Path.of("src", "test", "node");
  private static final Path PYTHON_DIR = Path.of("src", "test", "python");

  @Test
  void shouldRunTheSeedsJavaScriptFlowWithTheRealEventSourceClientByCookieAlone() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent() && npm.isPresent(), "node and npm are not on the PATH");
    ExternalClients.installNodeClients(npm.get(), NODE_DIR);
    String org = "my-org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());

    ExternalClients.Finished run =
        ExternalClients.run(
            NODE_DIR,
            Duration.ofSeconds(90),
            node.get().toString(),
            "agent-stream-seed.mjs",
            api().base(),
            org,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    JsonNode outcome = TestApi.JSON.readTree(ExternalClients.lastLine(run.stdout()));
    String described = run.describe();

    assertThat(outcome.path("ended").asBoolean()).as(described).isTrue();
    assertThat(outcome.path("errors").size()).as(described).isZero();
    List<JsonNode> events = outcome.path("events").valueStream().toList();
    assertThat(events.getLast().path("type").asString()).isEqualTo("end");
    assertThat(events.getLast().path("data").asString()).isEqualTo("{}");
    assertThat(events.stream().map(e -> e.path("type").asString()).distinct())
        .as(described)
        .containsExactly("doc", "text", "usage", "end");
    // The seed's file (uploads/report.pdf, in the configured uploads directory) was read before the
    // answer.
    assertThat(
            events.stream()
                .filter(e -> e.path("type").asString().equals("doc"))
                .map(e -> TestApi.JSON.readTree(e.path("data").asString()).path("stage").asString())
                .toList())
        .as(described)
        .containsExactly("extract_started", "extract_completed");
    assertThat(
            events.stream()
                .filter(e -> e.path("type").asString().equals("text"))
                .map(e -> TestApi.JSON.readTree(e.path("data").asString()).path("text").asString())
                .collect(Collectors.joining()))
        .as(described)
        .contains("From report.pdf: \"TechCrunch reports that the startup raised 12 million\"");
    List<Long> ids = events.stream().map(e -> Long.parseLong(e.path("id").asString())).toList();
    assertThat(ids).as(described).isSorted().doesNotHaveDuplicates();
    // Cookie alone: the stream's requests carried the cookie and no Authorization header.
    assertThat(outcome.path("requests").valueStream().map(r -> r.path("authorization").asBoolean()))
        .containsOnly(false);
    // The streamed text is the stored reply of conversation conv-123.
    String text =
        events.stream()
            .filter(e -> e.path("type").asString().equals("text"))
            .map(e -> TestApi.JSON.readTree(e.path("data").asString()).path("text").asString())
            .reduce("", String::concat);
    assertThat(text).isNotBlank();
    String session =
        api().get("/api/v1/sessions", token).json().path("results").get(0).path("uuid").asString();
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
  }

  @Test
  void shouldRunTheSeedsPythonExampleWithRequests() throws Exception {
    Optional<Path> python = ExternalClients.pythonWithRequests();
    assumeTrue(
        python.isPresent(),
        "no python3 with the requests package (bin/runstream test installs python3-requests)");
    String org = "my-org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());

    ExternalClients.Finished run =
        ExternalClients.run(
            PYTHON_DIR,
            Duration.ofSeconds(60),
            python.get().toString(),
            "agent_stream_seed.py",
            api().base(),
            org,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    List<JsonNode> lines =
        run.stdout().lines().filter(l -> !l.isBlank()).map(TestApi.JSON::readTree).toList();
    assertThat(lines).as(run.describe()).hasSizeGreaterThan(2);
    assertThat(lines.getLast().path("end").asBoolean()).isTrue();
    assertThat(lines.getLast().path("data").asString()).isEqualTo("{}");
    List<JsonNode> chunks = lines.subList(0, lines.size() - 1);
    assertThat(chunks.stream().map(l -> l.path("chunk").path("type").asString()).distinct())
        .containsExactly("text", "usage");
    assertThat(chunks.getLast().path("chunk").path("outputTokens").asLong()).isPositive();
    List<Long> ids = lines.stream().map(l -> Long.parseLong(l.path("id").asString())).toList();
    assertThat(ids).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void shouldRunTheSeedsCurlLines() throws Exception {
    Optional<Path> curl = ExternalClients.onPath("curl");
    assumeTrue(curl.isPresent(), "curl is not on the PATH");
    String org = "my-org-" + UUID.randomUUID();
    String token = TestApi.token(org, "user-" + UUID.randomUUID());
    Path here = Path.of(".");
    // Step 1, as the seed writes it.
    ExternalClients.Finished post =
        ExternalClients.run(
            here,
            Duration.ofSeconds(30),
            curl.get().toString(),
            "-s",
            api().base() + "/ai/agent/stream",
            "-H",
            "orgid: " + org,
            "-H",
            "Authorization: Bearer " + token,
            "-H",
            "Content-Type: application/json",
            "-d",
            "{\"task\":\"Hello\",\"agentRole\":\"chat\",\"conversationId\":\"c1\"}");
    assertThat(post.exitCode()).as(post.describe()).isZero();
    JsonNode answer = TestApi.JSON.readTree(post.stdout());
    assertThat(answer.propertyNames()).containsExactly("streamId");
    // Step 2: curl -N until the server ends the stream after `end`.
    ExternalClients.Finished stream =
        ExternalClients.run(
            here,
            Duration.ofSeconds(60),
            curl.get().toString(),
            "-sN",
            api().base() + "/ai/stream/" + answer.path("streamId").asString(),
            "-H",
            "orgid: " + org,
            "-H",
            "Authorization: Bearer " + token);
    assertThat(stream.exitCode()).as(stream.describe()).isZero();
    List<String> lines = stream.stdout().lines().toList();
    assertThat(lines).contains("event: data", "event: end", "data: {}");
    assertThat(lines.stream().filter(l -> l.startsWith("data: {\"type\":\"text\",\"text\":")))
        .isNotEmpty();
    assertThat(lines.get(lines.size() - 2)).isEqualTo("data: {}");
    assertThat(lines.get(lines.size() - 3)).isEqualTo("event: end");
    assertThat(lines.stream().filter(l -> l.startsWith("event: ")).count())
        .isEqualTo(lines.stream().filter(l -> l.startsWith("id: ")).count());
  }
}
