package io.runstream.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.model.LlmRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContinuationTest {
  /** A parked run's continuation comes back from its JSON as it was kept (issue #27 item 4). */
  @Test
  void shouldComeBackFromItsJsonAsItWasKept() {
    LlmRequest llm =
        new LlmRequest(
                "m-1",
                "Be brief.",
                List.of(new RunRequested.HistoryEntry("user", "hi")),
                "Send 5 to Bob",
                new RunRequested.Simulation(42L, 0.0, 10),
                List.of(
                    new LlmRequest.ToolDefinition(
                        "approval.transfer",
                        "Transfers",
                        EventJson.MAPPER.readTree("{\"type\":\"object\"}"))),
                List.of(),
                EventJson.MAPPER.readTree("{\"temperature\":0.2}"),
                "context",
                List.of(new LlmRequest.Document("a.md", "text")),
                List.of(new RunRequested.ImageRef("https://example.com/a.png", null, "image/png")))
            .next(
                new LlmRequest.Step(
                    "first",
                    List.of(
                        new LlmRequest.ToolCall(
                            "c0", "memory.store", EventJson.MAPPER.readTree("{\"k\":1}"))),
                    List.of(new LlmRequest.ToolOutcome("c0", null, "failed")),
                    "thinking",
                    "sig"));
    Continuation kept =
        new Continuation(
                2,
                llm,
                "Sending.",
                "",
                null,
                List.of(
                    new LlmRequest.ToolCall(
                        "c1", "approval.transfer", EventJson.MAPPER.readTree("{\"amount\":5}"))),
                List.of(
                    new LlmRequest.ToolOutcome(
                        "c2", EventJson.MAPPER.readTree("{\"ok\":true}"), null)),
                0,
                "",
                0,
                0)
            .at(17, "first Sending.", 120, 30);
    Continuation read = Continuation.read(kept.json());
    // The same JSON (a null output comes back as JSON null: the same to every provider).
    assertThat(read.json()).isEqualTo(kept.json());
    assertThat(read.toString()).isEqualTo(kept.toString());
    assertThat(read.llm().steps().getFirst().outcomes().getFirst().error()).isEqualTo("failed");
  }
}
