package io.runstream.launcher;

import io.runstream.core.face.Face;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.store.RunRow;
import io.runstream.fanout.sse.FaceRenderer;
import io.runstream.fanout.sse.SseFrames;
import io.runstream.schemas.RunChunk;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A fifth face that exists only in the tests ({@link FaceRegistryIT}): everything it is, in one
 * place, added to a fan-out node as one more source, with no edit to anything shared. Its {@link
 * Face} bean, a controller, a renderer. Not a {@code @Configuration}: the shared platform's context
 * never sees it.
 */
class EchoFacePackage {
  static final String NAME = "echo";

  /** Entered by a held stream ({@code /echo/stream/hold}), which waits for {@link #release}. */
  static volatile CountDownLatch held = new CountDownLatch(1);

  static volatile CountDownLatch release = new CountDownLatch(1);

  @Bean
  EchoFace echoFace() {
    return new EchoFace();
  }

  @Bean
  EchoController echoController(CallerResolver callers) {
    return new EchoController(callers);
  }

  @Bean
  EchoRenderer echoRenderer() {
    return new EchoRenderer();
  }

  /** The face: its paths, its stream, its error dialect {@code {"echoError": code}}. */
  static final class EchoFace implements Face {
    @Override
    public String name() {
      return NAME;
    }

    @Override
    public String title() {
      return "Echo: a face of the tests";
    }

    @Override
    public List<String> paths() {
      return List.of("/echo/**");
    }

    @Override
    public List<String> postPaths() {
      return List.of("/echo/run");
    }

    @Override
    public List<String> streamPaths() {
      return List.of("/echo/stream/{id}");
    }

    @Override
    public boolean answers(HttpServletRequest request) {
      return request.getRequestURI() != null && request.getRequestURI().startsWith("/echo/");
    }

    @Override
    public ResponseEntity<Object> response(ApiException e) {
      HttpHeaders headers = new HttpHeaders();
      e.headers().forEach(headers::set);
      headers.setContentType(MediaType.APPLICATION_JSON);
      return ResponseEntity.status(e.status()).headers(headers).body(Map.of("echoError", e.code()));
    }
  }

  /** Who the caller is, on the POST and on the stream. */
  @RestController
  static final class EchoController {
    private final CallerResolver callers;

    EchoController(CallerResolver callers) {
      this.callers = callers;
    }

    @PostMapping("/echo/run")
    public Map<String, String> run() {
      return Map.of("subject", callers.current().subject());
    }

    @GetMapping("/echo/stream/{id}")
    public Map<String, String> stream(@PathVariable String id) throws InterruptedException {
      String subject = callers.current().subject();
      if ("hold".equals(id)) {
        held.countDown();
        release.await(30, TimeUnit.SECONDS);
      }
      return Map.of("subject", subject, "id", id);
    }
  }

  /** A stateless renderer of the face: it gets a slot on hot chunks from the registry. */
  static final class EchoRenderer implements FaceRenderer {
    @Override
    public String face() {
      return NAME;
    }

    @Override
    public void headers(RunRow run, BiConsumer<String, String> header) {}

    @Override
    public byte[] render(RunChunk chunk) {
      return SseFrames.event(chunk.seq(), "echo", "{}");
    }

    @Override
    public byte[] end(RunChunk terminal) {
      return SseFrames.NONE;
    }
  }
}
