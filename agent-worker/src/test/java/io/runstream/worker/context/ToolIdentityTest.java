package io.runstream.worker.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ToolIdentityTest {
  private static RunRequested request(RunRequested.Identity identity) {
    RunRequested base =
        new RunRequested(
            1,
            UUID.randomUUID(),
            UUID.randomUUID(),
            UUID.randomUUID(),
            UUID.randomUUID(),
            null,
            UUID.randomUUID(),
            "hi",
            null,
            null,
            1,
            null,
            null,
            Instant.now(),
            null);
    return new RunRequested(
        base.v(),
        base.runId(),
        base.sessionId(),
        base.orgId(),
        base.userId(),
        null,
        base.agentMessageId(),
        "hi",
        null,
        null,
        1,
        null,
        null,
        base.requestedAt(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        identity,
        null);
  }

  @Test
  void everyUserIdAtAnyDepthIsTheRunsUser() {
    JsonNode forged =
        EventJson.MAPPER.readTree(
            "{\"user_id\":\"someone-else\",\"post\":{\"user_id\":42,\"title\":\"t\"},\"to\":[{\"user_id\":\"x\"}],\"n\":1}");
    JsonNode enforced =
        ToolIdentity.enforce(forged, request(new RunRequested.Identity("alice", null, null)));
    assertThat(enforced.toString())
        .isEqualTo(
            "{\"user_id\":\"alice\",\"post\":{\"user_id\":\"alice\",\"title\":\"t\"},\"to\":[{\"user_id\":\"alice\"}],\"n\":1}");
    assertThat(forged.path("user_id").asString()).isEqualTo("someone-else");
  }

  @Test
  void userIdAndUserDashIdAndOtherSpellingsAreTheRunsUserToo() {
    JsonNode forged =
        EventJson.MAPPER.readTree(
            "{\"userId\":\"mallory\",\"post\":{\"user-id\":\"mallory\","
                + "\"author\":{\"UserID\":7}},\"to\":[{\"USER_ID\":\"x\"},{\"userid\":null}],\"title\":\"t\"}");
    JsonNode enforced =
        ToolIdentity.enforce(forged, request(new RunRequested.Identity("alice", null, null)));
    assertThat(enforced.toString())
        .isEqualTo(
            "{\"userId\":\"alice\",\"post\":{\"user-id\":\"alice\","
                + "\"author\":{\"UserID\":\"alice\"}},\"to\":[{\"USER_ID\":\"alice\"},{\"userid\":\"alice\"}],\"title\":\"t\"}");
  }

  @Test
  void argumentsWithoutAUserIdAreLeftAlone() {
    JsonNode input =
        EventJson.MAPPER.readTree(
            "{\"user\":\"x\",\"q\":\"user_id\",\"owner_id\":\"y\",\"user_ids\":[\"z\"],\"users\":{\"id\":1}}");
    assertThat(ToolIdentity.enforce(input, request(new RunRequested.Identity("alice", null, null))))
        .isSameAs(input);
  }
}
