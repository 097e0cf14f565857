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
  private final long after;
  private final Long startingAfter;

  public ResponsesRenderer() {
    this(null, 0, null);
  }

  private ResponsesRenderer(ResponseEnvelope envelope, long after, Long startingAfter) {
    this.envelope = envelope;
    this.after = after;
    this.startingAfter = startingAfter;
  }

  /**
   * A reader of one Response (the part of its run after the seq {@code after}; 0: the whole run),
   * sent the events after {@code startingAfter} (null: all). Its stream ends with the Response,
   * also when the run goes on (it waits for a client tool's result).
   */
  ResponsesRenderer forResponse(ResponseEnvelope envelope, long after, Long startingAfter) {
    return new ResponsesRenderer(envelope, after, startingAfter);
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
          envelope == null ? null : new ResponseState(envelope, "in_progress", after);

      @Override
      public boolean ended() {
        return state != null && state.ended();
      }

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
