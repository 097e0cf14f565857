package io.runstream.core.face;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.problem.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;

/** The registry: every face once, every stream path once, the streams of all faces together. */
class FaceRegistryTest {
  private static Face face(String name, String... streams) {
    return new Face() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String title() {
        return name;
      }

      @Override
      public List<String> paths() {
        return List.of("/" + name + "/**");
      }

      @Override
      public List<String> postPaths() {
        return List.of();
      }

      @Override
      public List<String> streamPaths() {
        return List.of(streams);
      }

      @Override
      public boolean answers(HttpServletRequest request) {
        return false;
      }

      @Override
      public ResponseEntity<Object> response(ApiException e) {
        return ResponseEntity.status(e.status()).build();
      }
    };
  }

  @Test
  void shouldListEveryFacesStreamsAndFindFacesByName() {
    FaceRegistry registry =
        new FaceRegistry(
            List.of(
                new CanonicalFace(),
                new AgentStreamFace(),
                new GenieFace(),
                face("echo", "/echo/stream/{id}")));
    assertThat(registry.streamPaths())
        .containsExactly(
            CanonicalFace.SESSION_STREAM_PATH,
            CanonicalFace.RUN_STREAM_PATH,
            AgentStreamFace.STREAM_PATH,
            "/echo/stream/{id}");
    assertThat(registry.find("echo")).isPresent();
    assertThat(registry.find("nobody")).isEmpty();
  }

  @Test
  void shouldRefuseTwoFacesOfOneNameOrOneStreamPath() {
    assertThatThrownBy(() -> new FaceRegistry(List.of(face("a"), face("a"))))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new FaceRegistry(List.of(face("a", "/s"), face("b", "/s"))))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldAuthenticateProjectChatByItsKeyOnlyWhenOneIsSet() {
    assertThat(
            new ProjectChatFace(new ProjectChatProperties("", "default", "svc", 20000, 100))
                .authentication())
        .isEqualTo(FaceAuthentication.BEARER);
    assertThat(
            new ProjectChatFace(new ProjectChatProperties("k", "acme", "svc", 20000, 100))
                .authentication())
        .isEqualTo(new FaceAuthentication.ApiKey("X-API-Key", "k", "acme", "svc"));
  }
}
