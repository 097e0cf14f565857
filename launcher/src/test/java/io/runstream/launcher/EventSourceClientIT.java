package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The real {@code eventsource} npm client resumes through a dropped connection by cookie alone,
 * until the 204.
 */
class EventSourceClientIT extends PlatformIT {

  private static final Path NODE_DIR = Path.of("src", "test", "node");
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(90);

  /**
   * What {@code eventsource-resume.mjs} prints: one request per EventSource connection, as the
   * proxy saw it.
   */
  record Outcome(
      List<TestApi.Event> events,
      int connections,
      int tcpConnections,
      List<String> lastEventIds,
      List<Boolean> cookies,
      List<Boolean> authorizations,
      boolean cut,
      Integer receivedBeforeCut,
      boolean closedBy204,
      List<Map<String, Object>> errors) {}

  @Test
  void shouldResumeARealEventSourceThroughADroppedConnectionByCookieAlone() throws Exception {
    Optional<Path> node = ExternalClients.onPath("node");
    Optional<Path> npm = ExternalClients.onPath("npm");
    assumeTrue(node.isPresent(), "node is not on the PATH");
    assumeTrue(npm.isPresent(), "npm is not on the PATH");
    ExternalClients.installNodeClients(npm.get(), NODE_DIR);

    TestApi api = api();
    String token = TestApi.freshToken();
    TestApi.Answer created =
        api.post("/api/v1/sessions", token, TestApi.sessionBody("drop me", 200, 100));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String sessionId = created.json().path("uuid").asString();

    ExternalClients.Finished run =
        ExternalClients.run(
            NODE_DIR,
            SCRIPT_TIMEOUT,
            node.get().toString(),
            "eventsource-resume.mjs",
            api.base(),
            sessionId,
            token);
    assertThat(run.exitCode()).as(run.describe()).isZero();
    Outcome outcome = TestApi.JSON.readValue(ExternalClients.lastLine(run.stdout()), Outcome.class);
    String described = run.stdout();

    // Every event once, in order, across the cut: the chunks' ids are consecutive; [DONE] carries
    // no id (the client
    // keeps the finish id as its last id, and reconnects with it below).
    List<TestApi.Event> events = outcome.events();
    assertThat(events).as(described).hasSizeGreaterThan(2);
    assertThat(events.getLast().done()).as(described).isTrue();
    List<TestApi.Event> chunks = events.subList(0, events.size() - 1);
    List<Long> ids = chunks.stream().map(TestApi.Event::seq).toList();
    assertThat(ids).as(described).doesNotHaveDuplicates();
    assertThat(ids)
        .as(described)
        .isEqualTo(LongStream.range(ids.getFirst(), ids.getFirst() + ids.size()).boxed().toList());
    assertThat(chunks.getLast().type()).as(described).isEqualTo("finish");
    String text =
        chunks.stream()
            .filter(e -> e.type().equals("text-delta"))
            .map(e -> e.json().path("delta").asString())
            .collect(Collectors.joining());
    assertThat(text).as(described).isNotBlank();

    // The first connection was cut mid-stream, the client resumed from what it had, then ended on
    // the 204.
    assertThat(outcome.cut()).as(described).isTrue();
    assertThat(outcome.receivedBeforeCut())
        .as(described)
        .isNotNull()
        .isBetween(1, chunks.size() - 1);
    assertThat(outcome.connections()).as(described).isGreaterThanOrEqualTo(3);
    assertThat(outcome.lastEventIds().getFirst()).as(described).isNull();
    assertThat(outcome.lastEventIds().get(1))
        .as(described)
        .isEqualTo(events.get(outcome.receivedBeforeCut() - 1).id());
    assertThat(outcome.lastEventIds().getLast()).as(described).isEqualTo(chunks.getLast().id());
    assertThat(outcome.closedBy204()).as(described).isTrue();

    // Cookie alone: every request carried the cookie and none an Authorization header.
    assertThat(outcome.cookies()).as(described).hasSize(outcome.connections()).containsOnly(true);
    assertThat(outcome.authorizations())
        .as(described)
        .hasSize(outcome.connections())
        .containsOnly(false);
  }
}
