package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runstream.worker.context.TestDocuments;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10: what an agent knows before it answers and what it does besides writing text, end to
 * end on the real broker and PostgreSQL, read on the canonical face and on the agent-stream face:
 * files extracted with Tika into the prompt with {@code doc} stages, images for vision models, the
 * identity block and the user's top-15 context nodes, {@code user_id} overwritten in tool calls,
 * action tags cut from the text and dispatched, stage updates.
 */
class AgentContextIT extends PlatformIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static String json(Object value) {
    return TestApi.JSON.writeValueAsString(value);
  }

  private List<JsonNode> canonical(String path, String token) throws Exception {
    try (TestApi.Stream read = api().stream(path, token)) {
      return read.untilDone(WAIT).stream().filter(e -> !e.done()).map(TestApi.Event::json).toList();
    }
  }

  private static List<String> types(List<JsonNode> parts) {
    return parts.stream().map(p -> p.path("type").asString()).toList();
  }

  private static List<JsonNode> of(List<JsonNode> parts, String type) {
    return parts.stream().filter(p -> p.path("type").asString().equals(type)).toList();
  }

  private static String text(List<JsonNode> parts) {
    return of(parts, "text-delta").stream()
        .map(p -> p.path("delta").asString())
        .collect(Collectors.joining());
  }

  @Test
  void shouldExtractAPdfAndAWordFileIntoThePromptWithDocStagesOnBothFaces() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token(org, subject);
    String pdf =
        Base64.getEncoder().encodeToString(TestDocuments.pdf("Revenue grew by 42 percent in Lyon"));
    String folder = "u-" + UUID.randomUUID();
    Files.createDirectories(FakeModels.get().uploads().resolve(folder));
    Files.write(
        FakeModels.get().uploads().resolve(folder + "/plan.docx"),
        TestDocuments.docx("The pilot starts in Grenoble next spring", "Budget: 3 people"));
    // The seed's shape: files by path in the uploads directory; inline content; a URL nobody
    // allowed.
    TestApi.Answer started =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", org)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"task\":\"Summarise these\",\"files\":["
                                + "{\"name\":\"report.pdf\",\"content\":"
                                + json(pdf)
                                + ",\"mediaType\":\"application/pdf\"},"
                                + "{\"name\":\"plan.docx\",\"path\":\""
                                + folder
                                + "/plan.docx\"},"
                                + "{\"name\":\"secret.txt\",\"url\":\"http://169.254.169.254/latest/meta-data\"}],"
                                + "\"simulation\":{\"tokens_per_second\":0,\"output_tokens\":60}}"))
                    .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    String streamId = started.json().path("streamId").asString();

    List<TestApi.Event> events;
    try (TestApi.Stream read =
        api().stream("/ai/stream/" + streamId, token, Map.of("orgid", org))) {
      events = read.all(WAIT);
    }
    List<String> docs =
        events.stream()
            .filter(e -> "data".equals(e.event()) && e.json().path("type").asString().equals("doc"))
            .map(
                e -> e.json().path("stage").asString() + " " + e.json().path("fileName").asString())
            .toList();
    assertThat(docs)
        .containsExactly(
            "extract_started report.pdf",
            "extract_completed report.pdf",
            "extract_started plan.docx",
            "extract_completed plan.docx",
            "extract_started secret.txt",
            "extract_failed secret.txt");
    JsonNode failed =
        events.stream()
            .filter(
                e ->
                    "data".equals(e.event())
                        && e.json().path("stage").asString().equals("extract_failed"))
            .findFirst()
            .orElseThrow()
            .json();
    assertThat(failed.path("error").asString()).contains("not allowed");
    String answer = AgentStreamIT.text(events);
    // The model answers from the files' text (the simulated model quotes what it was given).
    assertThat(answer)
        .contains("From report.pdf: \"Revenue grew by 42 percent in Lyon\"")
        .contains("From plan.docx: \"The pilot starts in Grenoble next spring");
    assertThat(events.getLast().event()).isEqualTo("end");
    assertThat(events.stream().allMatch(e -> Boolean.TRUE.equals(e.ownId()))).isTrue();

    // The canonical face renders the same run: data-doc parts, and stage updates (transient) for
    // each transition.
    List<JsonNode> parts = canonical("/api/v1/runs/" + streamId + "/stream", token);
    assertThat(
            of(parts, "data-doc").stream()
                .map(
                    p ->
                        p.path("data").path("stage").asString()
                            + " "
                            + p.path("data").path("fileName").asString())
                .toList())
        .isEqualTo(docs);
    List<String> stages =
        of(parts, "data-stage").stream()
            .map(p -> p.path("data").path("stageTarget").asString())
            .toList();
    assertThat(stages)
        .containsExactly(
            "document_reader", "document_reader", "document_reader", "model", "response");
    assertThat(of(parts, "data-stage")).allMatch(p -> p.path("transient").asBoolean());
    assertThat(of(parts, "data-stage").getFirst().path("data").path("missionLabel").asString())
        .isEqualTo("Reading report.pdf…");
    assertThat(text(parts)).isEqualTo(answer);
  }

  @Test
  void shouldSendImagesToAVisionModelAsImageParts() throws Exception {
    String token = TestApi.freshToken();
    String png =
        Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    String marker = "Describe picture " + UUID.randomUUID();
    TestApi.Answer run =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":"
                    + json(marker)
                    + ",\"model\":\""
                    + FakeModels.OPENAI
                    + "/qwen3:8b\",\"images\":[{\"url\":\"https://img.example.com/cat.png\"},"
                    + "{\"data\":\""
                    + png
                    + "\",\"mediaType\":\"image/png\"}]}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    canonical("/api/v1/runs/" + run.json().path("run_uuid").asString() + "/stream", token);
    JsonNode request =
        TestApi.JSON.readTree(
            FakeModels.get().openAi().requests().stream()
                .filter(b -> b.contains(marker))
                .findFirst()
                .orElseThrow());
    JsonNode messages = request.path("messages");
    JsonNode content = messages.get(messages.size() - 1).path("content");
    assertThat(content.isArray()).as(content.toString()).isTrue();
    assertThat(content.get(0).path("type").asString()).isEqualTo("text");
    assertThat(content.get(0).path("text").asString()).endsWith("---\n\n" + marker);
    assertThat(content.get(1).path("type").asString()).isEqualTo("image_url");
    assertThat(content.get(1).path("image_url").path("url").asString())
        .isEqualTo("https://img.example.com/cat.png");
    assertThat(content.get(2).path("image_url").path("url").asString())
        .isEqualTo("data:image/png;base64," + png);
  }

  @Test
  void shouldSendImagesToAnAnthropicModelAsImageBlocks() throws Exception {
    // The Anthropic provider is for administrators in the test platform.
    String token = TestApi.adminToken("org-" + UUID.randomUUID(), "admin-" + UUID.randomUUID());
    String png =
        Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 4, 5, 6});
    String marker = "What is in these " + UUID.randomUUID();
    TestApi.Answer run =
        api()
            .post(
                "/api/v1/runs",
                token,
                "{\"input\":"
                    + json(marker)
                    + ",\"model\":\""
                    + FakeModels.ANTHROPIC
                    + "/claude-x\",\"images\":[{\"url\":\"https://img.example.com/dog.jpg\"},"
                    + "{\"url\":\"data:image/png;base64,"
                    + png
                    + "\"}]}");
    assertThat(run.status()).as(run.body()).isEqualTo(202);
    canonical("/api/v1/runs/" + run.json().path("run_uuid").asString() + "/stream", token);
    JsonNode request =
        TestApi.JSON.readTree(
            FakeModels.get().anthropic().requests().stream()
                .filter(b -> b.contains(marker))
                .findFirst()
                .orElseThrow());
    JsonNode content = request.path("messages").get(0).path("content");
    assertThat(content.get(0).path("type").asString()).isEqualTo("image");
    assertThat(content.get(0).path("source").path("type").asString()).isEqualTo("url");
    assertThat(content.get(0).path("source").path("url").asString())
        .isEqualTo("https://img.example.com/dog.jpg");
    assertThat(content.get(1).path("source").path("type").asString()).isEqualTo("base64");
    assertThat(content.get(1).path("source").path("media_type").asString()).isEqualTo("image/png");
    assertThat(content.get(1).path("source").path("data").asString()).isEqualTo(png);
    // The text after the images that it refers to.
    assertThat(content.get(2).path("type").asString()).isEqualTo("text");
    assertThat(content.get(2).path("text").asString()).endsWith("---\n\n" + marker);
  }

  @Test
  void shouldPutTheIdentityBlockAndTheTop15NodesInThePromptAndOverwriteAForgedUserId()
      throws Exception {
    String org = "org-" + UUID.randomUUID();
    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token(org, subject);
    // 16 nodes: the lightest is left out of the prompt.
    for (int i = 1; i <= 16; i++) {
      TestApi.Answer put =
          api()
              .put(
                  "/api/v1/context/nodes/fact-" + i,
                  token,
                  "{\"content\":\"Fact number " + i + "\",\"weight\":" + (i / 10.0) + "}");
      assertThat(put.status()).as(put.body()).isEqualTo(200);
    }
    TestApi.Answer listed = api().get("/api/v1/context/nodes", token);
    assertThat(listed.json().path("nodes").size()).isEqualTo(16);
    assertThat(listed.json().path("nodes").get(0).path("label").asString()).isEqualTo("fact-16");
    assertThat(api().put("/api/v1/context/nodes/x", token, "{\"content\":\"\"}").status())
        .isEqualTo(400);
    assertThat(
            api()
                .put("/api/v1/context/nodes/x?user=someone-else", token, "{\"content\":\"c\"}")
                .status())
        .isEqualTo(403);

    String marker = "Save it as mallory " + UUID.randomUUID();
    TestApi.Answer created =
        api()
            .post(
                "/api/v1/sessions",
                token,
                "{\"text\":" + json(marker) + ",\"model\":\"" + FakeModels.OPENAI + "/qwen3:8b\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    List<JsonNode> parts =
        canonical("/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token);

    String prompt =
        FakeModels.get().openAi().requests().stream()
            .filter(b -> b.contains(marker))
            .findFirst()
            .map(
                b -> {
                  JsonNode messages = TestApi.JSON.readTree(b).path("messages");
                  for (JsonNode m : messages) {
                    if (m.path("role").asString().equals("user")) {
                      return m.path("content").asString();
                    }
                  }
                  return "";
                })
            .orElseThrow();
    assertThat(prompt)
        .startsWith(
            "[SECURE_CONTEXT]\nuser_id: " + subject + "\nemail: " + subject + "@example.com\n")
        .contains("[/SECURE_CONTEXT]\n\n[USER_CONTEXT]\n- fact-16 (weight 1.60): Fact number 16\n")
        .contains("- fact-2 (weight 0.20): Fact number 2\n[/USER_CONTEXT]")
        .doesNotContain("fact-1 ")
        .endsWith("\n\n---\n\n" + marker);
    // The model named another user in its tool call; the call that ran (and was streamed) is the
    // caller's.
    JsonNode call = of(parts, "tool-input-available").getFirst();
    assertThat(call.path("toolName").asString()).isEqualTo("memory.store");
    assertThat(call.path("input").path("user_id").asString()).isEqualTo(subject);
    assertThat(call.path("input").path("value").asString()).isEqualTo("forged");
    // The step after the tool tells the model what ran.
    assertThat(
            FakeModels.get().openAi().requests().stream()
                .filter(b -> b.contains(marker) && b.contains("\"role\":\"tool\""))
                .findFirst()
                .orElseThrow())
        .contains("\\\"user_id\\\":\\\"" + subject + "\\\"")
        .doesNotContain("mallory\\\"");

    // An administrator manages another user's nodes by their sub.
    String admin = TestApi.adminToken(org, "admin-" + UUID.randomUUID());
    assertThat(
            api()
                .put(
                    "/api/v1/context/nodes/voice?user=" + subject,
                    admin,
                    "{\"content\":\"Dry humour\",\"weight\":9}")
                .status())
        .isEqualTo(200);
    assertThat(
            api()
                .get("/api/v1/context/nodes", token)
                .json()
                .path("nodes")
                .get(0)
                .path("content")
                .asString())
        .isEqualTo("Dry humour");
    assertThat(
            api()
                .send(
                    HttpRequest.newBuilder(URI.create(api().base() + "/api/v1/context/nodes/voice"))
                        .header("Authorization", "Bearer " + token)
                        .DELETE()
                        .build())
                .status())
        .isEqualTo(204);
    assertThat(
            api()
                .send(
                    HttpRequest.newBuilder(URI.create(api().base() + "/api/v1/context/nodes/voice"))
                        .header("Authorization", "Bearer " + token)
                        .DELETE()
                        .build())
                .status())
        .isEqualTo(404);
  }

  @Test
  void shouldCutAnActionTagSplitAcrossThreeDeltasFromTheTextAndStreamItsFlowsCallAndResult()
      throws Exception {
    String org = "org-" + UUID.randomUUID();
    String subject = "user-" + UUID.randomUUID();
    String token = TestApi.token(org, subject);
    // Through a real provider (OpenAI-compatible): the tag arrives in three deltas; post-create is
    // a webhook flow.
    TestApi.Answer created =
        api()
            .post(
                "/api/v1/sessions",
                token,
                "{\"text\":\"Tag it please "
                    + UUID.randomUUID()
                    + "\",\"model\":\""
                    + FakeModels.OPENAI
                    + "/qwen3:8b\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    List<JsonNode> parts =
        canonical("/api/v1/sessions/" + created.json().path("uuid").asString() + "/stream", token);
    assertThat(text(parts)).as(parts.toString()).isEqualTo("Filed.  Done.");
    assertThat(of(parts, "text-delta")).noneMatch(p -> p.path("delta").asString().contains("["));
    JsonNode call = of(parts, "tool-input-available").getFirst();
    assertThat(call.path("toolName").asString()).isEqualTo("post-create");
    assertThat(call.path("input").path("title").asString()).isEqualTo("Launch");
    assertThat(call.path("input").path("user_id").asString()).isEqualTo(subject);
    JsonNode result = of(parts, "tool-output-available").getFirst();
    assertThat(result.path("toolCallId").asString()).isEqualTo(call.path("toolCallId").asString());
    assertThat(result.path("output").path("queued").asBoolean()).isTrue();
    assertThat(result.path("output").path("received").path("user_id").asString())
        .isEqualTo(subject);
    assertThat(types(parts))
        .containsSubsequence(
            "text-delta",
            "tool-input-start",
            "tool-input-available",
            "tool-output-available",
            "text-delta",
            "finish");
    // The stored transcript has the text without the tag.
    String transcript = "/api/v1/sessions/" + created.json().path("uuid").asString() + "/messages";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        api()
                            .get(transcript, token)
                            .json()
                            .path("results")
                            .get(1)
                            .path("text")
                            .asString())
                    .isEqualTo("Filed.  Done."));

    // The simulated model scripts the same (the built-in memory-recall flow), read on the
    // agent-stream face.
    api()
        .put(
            "/api/v1/context/nodes/pet",
            token,
            "{\"content\":\"Has a cat named Miso\",\"weight\":1}");
    TestApi.Answer started =
        api()
            .send(
                HttpRequest.newBuilder(URI.create(api().base() + "/ai/agent/stream"))
                    .header("orgid", org)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"task\":\"What is my cat called?\","
                                + "\"simulation\":{\"script\":[{\"type\":\"text\",\"deltas\":[\"Checking. [ACTION:memory-\","
                                + "\"recall:{\\\"query\\\":\\\"ca\",\"t\\\"}] Found it.\"]},"
                                + "{\"type\":\"stage\",\"input\":{\"missionLabel\":\"Drafting caption...\",\"mood\":\"focused\","
                                + "\"leftPanel\":\"skill_context\",\"rightPanel\":\"output_preview\",\"stageTarget\":\"caption_generator\"}}]}}"))
                    .build());
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    String streamId = started.json().path("streamId").asString();
    List<TestApi.Event> events;
    try (TestApi.Stream read =
        api().stream("/ai/stream/" + streamId, token, Map.of("orgid", org))) {
      events = read.all(WAIT);
    }
    assertThat(AgentStreamIT.text(events)).as(events.toString()).isEqualTo("Checking.  Found it.");
    JsonNode use =
        events.stream()
            .filter(
                e ->
                    "data".equals(e.event()) && e.json().path("type").asString().equals("tool_use"))
            .findFirst()
            .orElseThrow()
            .json();
    assertThat(use.path("name").asString()).isEqualTo("memory-recall");
    assertThat(use.path("input").path("query").asString()).isEqualTo("cat");
    JsonNode recalled =
        events.stream()
            .filter(
                e ->
                    "data".equals(e.event())
                        && e.json().path("type").asString().equals("tool_result"))
            .findFirst()
            .orElseThrow()
            .json();
    assertThat(recalled.path("id").asString()).isEqualTo(use.path("id").asString());
    assertThat(recalled.path("output").path("nodes").get(0).path("content").asString())
        .isEqualTo("Has a cat named Miso");
    // A scripted stage comes through as the model reported it (canonical face: data-stage).
    List<JsonNode> same = canonical("/api/v1/runs/" + streamId + "/stream", token);
    assertThat(
            of(same, "data-stage").stream()
                .map(p -> p.path("data").path("missionLabel").asString())
                .toList())
        .contains("Drafting caption...");
  }
}
