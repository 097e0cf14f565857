package io.runstream.fanout.hot;

import io.runstream.schemas.RunChunk;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * A chunk in memory with its renderings, one per face, each made once (by the first reader of that
 * face) and shared by every later reader: fan-out renders once per chunk and face, not once per
 * reader.
 */
public final class HotChunk {
  /** How many renderers can cache a rendering on a chunk before any reserved more. */
  static final int DEFAULT_SLOTS = 4;

  /**
   * How many renderers can cache a rendering on a chunk: the registered stateless renderers ({@link
   * #reserveSlots}); only grows, so that a chunk made before a reservation (its array shorter)
   * renders a later slot each time instead of failing.
   */
  private static volatile int slots = DEFAULT_SLOTS;

  private final RunChunk chunk;
  private final int size;
  private final AtomicReferenceArray<byte[]> rendered;

  private HotChunk(RunChunk chunk, int size, boolean cached) {
    this.chunk = chunk;
    this.size = size;
    this.rendered = cached ? new AtomicReferenceArray<>(slots) : null;
  }

  /**
   * A face's rendering of chunks, to make on the consumer thread as chunks arrive for runs that
   * face's readers read: a fast run wakes all its readers with the same chunk, and they then find
   * its bytes made.
   *
   * @param slot the face's slot
   * @param render its rendering, a pure function of the chunk
   */
  public record Prerender(int slot, Function<RunChunk, byte[]> render) {}

  /**
   * Makes room for {@code count} cached renderings on every chunk made from now on (the renderer
   * registry calls it with the number of slots it assigned).
   */
  public static synchronized void reserveSlots(int count) {
    if (count > slots) {
      slots = count;
    }
  }

  /** How many renderings a chunk made now can cache. */
  public static int slots() {
    return slots;
  }

  /** A chunk read from Kafka, whose record value was {@code recordBytes} long. */
  public static HotChunk of(RunChunk chunk, int recordBytes) {
    return new HotChunk(chunk, recordBytes, true);
  }

  /** A chunk read from elsewhere (the chunk log), sized by its JSON. */
  public static HotChunk of(RunChunk chunk) {
    return new HotChunk(chunk, 256, true);
  }

  /**
   * A chunk made for one reader only (a compact catch-up's merge of several deltas): its renderings
   * are made each time and never cached, so that no merged rendering is ever mistaken for a chunk's
   * own.
   */
  public static HotChunk merged(RunChunk chunk) {
    return new HotChunk(chunk, 256, false);
  }

  /** The chunk. */
  public RunChunk chunk() {
    return chunk;
  }

  /** Its sequence number (the SSE id). */
  public long seq() {
    return chunk.seq();
  }

  /**
   * The chunk's rendering for the face caching in {@code slot}, made by {@code render} on first
   * use, exactly once: the readers of a fast run are woken by the same chunk at once, and without
   * the lock each would render it. A slot the chunk has no room for (negative, or reserved after
   * the chunk was made) is rendered each time.
   */
  public byte[] rendered(int slot, Function<RunChunk, byte[]> render) {
    if (rendered == null || slot < 0 || slot >= rendered.length()) {
      return render.apply(chunk);
    }
    byte[] bytes = rendered.get(slot);
    if (bytes != null) {
      return bytes;
    }
    synchronized (this) {
      bytes = rendered.get(slot);
      if (bytes == null) {
        bytes = render.apply(chunk);
        rendered.set(slot, bytes);
      }
      return bytes;
    }
  }

  /**
   * Approximate heap bytes it holds: the chunk and, on average, about two renderings of its size.
   */
  long bytes() {
    return 160L + size * 3L;
  }
}
