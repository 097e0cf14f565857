package io.runstream.fanout.sse;

import io.runstream.core.store.RunRow;
import io.runstream.fanout.hot.HotChunk;
import io.runstream.schemas.RunChunk;
import java.util.function.BiConsumer;

/**
 * A face whose frames depend on the run so far (a token index, the whole text, the time since the
 * start): each reader gets its own {@link State}, fed every chunk of the run from its start, so a
 * resumed reader's frames are those of an uninterrupted read. Its frames, end frames included, come
 * from {@link State#frames}.
 */
public abstract class StatefulRenderer implements FaceRenderer {

  /** One reader's state: the frames of each chunk in seq order, the state kept across them. */
  public interface State {
    /** The chunk's frames (written, or dropped for a chunk the reader already had). */
    byte[] frames(RunChunk chunk);

    /** True once the face's stream is over before the run's end ({@link Rendering#ended}). */
    default boolean ended() {
      return false;
    }
  }

  /** A new reader's state. */
  protected abstract State state();

  @Override
  public void headers(RunRow run, BiConsumer<String, String> header) {}

  /**
   * The chunk's frames for a reader that has seen nothing before it (readers render through {@link
   * #rendering}).
   */
  @Override
  public final byte[] render(RunChunk chunk) {
    return state().frames(chunk);
  }

  @Override
  public byte[] end(RunChunk terminal) {
    return SseFrames.NONE;
  }

  @Override
  public final boolean stateful() {
    return true;
  }

  @Override
  public final Rendering rendering() {
    State state = state();
    return new Rendering() {
      @Override
      public void skip(RunChunk chunk) {
        state.frames(chunk);
      }

      @Override
      public byte[] render(HotChunk chunk) {
        return state.frames(chunk.chunk());
      }

      @Override
      public byte[] end(RunChunk terminal) {
        return StatefulRenderer.this.end(terminal);
      }

      @Override
      public boolean ended() {
        return state.ended();
      }
    };
  }
}
