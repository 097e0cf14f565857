package io.runstream.core.face;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Every {@link Face} of the process, in bean order. Security, stream admission, the OpenAPI groups
 * and the renderers' slots are derived from it; a face that is not registered here is not served.
 */
@Component
public class FaceRegistry {
  private final List<Face> faces;

  public FaceRegistry(List<Face> faces) {
    Set<String> names = new HashSet<>();
    Set<String> streams = new HashSet<>();
    for (Face face : faces) {
      if (face.name() == null || face.name().isBlank() || !names.add(face.name())) {
        throw new IllegalStateException("two faces named " + face.name());
      }
      for (String path : face.streamPaths()) {
        if (!streams.add(path)) {
          throw new IllegalStateException("two faces stream on " + path);
        }
      }
    }
    this.faces = List.copyOf(faces);
  }

  /** Every face, in bean order. */
  public List<Face> faces() {
    return faces;
  }

  /** The face of that name. */
  public Optional<Face> find(String name) {
    return faces.stream().filter(face -> face.name().equals(name)).findFirst();
  }

  /** The SSE GETs of every face. */
  public List<String> streamPaths() {
    List<String> paths = new ArrayList<>();
    faces.forEach(face -> paths.addAll(face.streamPaths()));
    return List.copyOf(paths);
  }
}
