package io.runstream.fanout.sse;

import io.runstream.core.face.FaceRegistry;
import io.runstream.fanout.hot.HotChunk;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The renderers of the node's faces and the slot each stateless one caches its renderings in on a
 * hot chunk ({@link HotChunk#rendered}): assigned here, in the order of the face registry, from the
 * renderer beans, and reserved on the hot tier ({@link HotChunk#reserveSlots}), so that a new
 * face's renderer gets its slot without an edit to the hot tier. Every renderer must name a
 * registered face. Stateful renderers render per reader and take no slot.
 */
@Component
public class RendererSlots {
  private final Map<FaceRenderer, Integer> slots = new IdentityHashMap<>();

  public RendererSlots(List<FaceRenderer> renderers, FaceRegistry faces) {
    List<FaceRenderer> ordered = new ArrayList<>();
    faces
        .faces()
        .forEach(
            face ->
                renderers.stream()
                    .filter(renderer -> renderer.face().equals(face.name()))
                    .forEach(ordered::add));
    for (FaceRenderer renderer : renderers) {
      if (!ordered.contains(renderer)) {
        throw new IllegalStateException(
            renderer.getClass().getName()
                + " renders face "
                + renderer.face()
                + ", which is not registered (a core.face.Face bean)");
      }
    }
    int next = 0;
    for (FaceRenderer renderer : ordered) {
      if (!renderer.stateful()) {
        slots.put(renderer, next++);
      }
    }
    HotChunk.reserveSlots(next);
  }

  /** The renderer's slot; -1 for a stateful renderer, or one that is not a bean of this node. */
  public int slot(FaceRenderer renderer) {
    return slots.getOrDefault(renderer, -1);
  }

  /** How many slots are assigned. */
  public int count() {
    return slots.size();
  }
}
