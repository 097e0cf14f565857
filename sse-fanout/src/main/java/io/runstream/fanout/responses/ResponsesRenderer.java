package io.runstream.fanout.responses;

import io.runstream.fanout.sse.SseFrames;
import io.runstream.fanout.sse.StatefulRenderer;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.io.ByteArrayOutputStream;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses face's stream: {@code event: <type>} and {@code data: <json>} per event of the
 * official union ({@link ResponseState}), no {@code id:} lines, and, unlike every other face, no
 * opening comment, no {@code retry:} and no keep-alive comments (the official Python SDK fails on a
 * block that holds only a comment or {@code retry:}); nothing after the last event ({@code [DONE]}
 * is the Chat Completions API's). Stateful: every reader renders the run from its start, and a
 * reader with a cursor ({@code starting_after}) is sent the events after it, with the numbers and
 * payloads it would have had. The bean renders a run it knows nothing else of; a Response's reader
 * gets its own ({@link #forResponse}).
 */
@Component
public class ResponsesRenderer extends StatefulRenderer {
  private final ResponseEnvelope envelope;
  private final Long startingAfter;

  public ResponsesRenderer() {
    this(null, null);
  }

  private ResponsesRenderer(ResponseEnvelope envelope, Long startingAfter) {
    this.envelope = envelope;
    this.startingAfter = startingAfter;
  }

  /** A reader of one Response, sent the events after {@code startingAfter} (null: all). */
  ResponsesRenderer forResponse(ResponseEnvelope envelope, Long startingAfter) {
    return new ResponsesRenderer(envelope, startingAfter);
  }

  @Override
  public String face() {
    return ResponsesFace.ID;
  }

  @Override
  public byte[] opening(long retryMillis) {
    return SseFrames.NONE;
  }

  @Override
  public byte[] keepAlive() {
    return SseFrames.NONE;
  }

  @Override
  protected State state() {
    return new State() {
      private ResponseState state =
          envelope == null ? null : new ResponseState(envelope, "in_progress");

      @Override
      public byte[] frames(RunChunk chunk) {
        if (state == null) {
          state =
              new ResponseState(
                  new ResponseEnvelope(
                      ResponseEnvelope.id(chunk.runId()),
                      chunk.ts().getEpochSecond(),
                      null,
                      null,
                      EventJson.MAPPER.createObjectNode(),
                      EventJson.MAPPER.createArrayNode(),
                      null,
                      null,
                      null,
                      false,
                      null),
                  "in_progress");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ObjectNode event : state.apply(chunk)) {
          if (startingAfter != null && event.get("sequence_number").asLong() <= startingAfter) {
            continue;
          }
          out.writeBytes(
              SseFrames.event(
                  null, event.get("type").asString(), EventJson.MAPPER.writeValueAsString(event)));
        }
        return out.toByteArray();
      }
    };
  }
}
