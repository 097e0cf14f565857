package io.runstream.fanout.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runstream.core.face.AgentStreamFace;
import io.runstream.core.face.CanonicalFace;
import io.runstream.core.face.FaceRegistry;
import io.runstream.core.problem.Problems;
import io.runstream.fanout.FanoutProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Opening streams is bounded: a limited number open at once, a limited number wait, the rest get
 * 503 + Retry-After.
 */
class StreamAdmissionTest {
  private static StreamAdmission admission(int opening, int waiting, Duration wait) {
    FanoutProperties properties =
        new FanoutProperties(
            100,
            1 << 20,
            Duration.ofMinutes(10),
            100,
            Duration.ofSeconds(15),
            Duration.ofSeconds(2),
            Duration.ofMinutes(5),
            Duration.ofMinutes(2),
            Duration.ofSeconds(5),
            100,
            Duration.ofMillis(10),
            Duration.ofMinutes(5),
            10_000,
            opening,
            waiting,
            wait);
    return new StreamAdmission(
        properties,
        new Problems(JsonMapper.builder().build(), List.of()),
        new SimpleMeterRegistry(),
        new FaceRegistry(List.of(new CanonicalFace(), new AgentStreamFace())));
  }

  private static MockHttpServletRequest get(String path) {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
    request.setRequestURI(path);
    return request;
  }

  @Test
  void shouldQueueThenRefuseStreamOpeningsBeyondTheBoundsWhileOtherRequestsPass() throws Exception {
    StreamAdmission admission = admission(1, 1, Duration.ofSeconds(5));
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // A is opening (holds the one turn) until released
      Future<MockHttpServletResponse> a =
          pool.submit(
              () -> {
                MockHttpServletResponse response = new MockHttpServletResponse();
                admission.doFilter(
                    get("/api/v1/runs/r1/stream"),
                    response,
                    (req, res) -> {
                      inside.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      ((MockHttpServletResponse) res).setStatus(200);
                    });
                return response;
              });
      assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
      // B waits for a turn
      CountDownLatch bInside = new CountDownLatch(1);
      Future<MockHttpServletResponse> b =
          pool.submit(
              () -> {
                MockHttpServletResponse response = new MockHttpServletResponse();
                admission.doFilter(
                    get("/api/v1/sessions/s1/stream"),
                    response,
                    (req, res) -> {
                      bInside.countDown();
                      StreamAdmission
                          .opened(); // its opening is written: it stops counting, the stream goes
                      // on
                      ((MockHttpServletResponse) res).setStatus(200);
                    });
                return response;
              });
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> waiting(admission) == 1);
      // C finds the waiting line full: 503 at once, with Retry-After (one to three times the
      // streams' retry: of 2 s)
      MockHttpServletResponse c = new MockHttpServletResponse();
      admission.doFilter(
          get("/ai/stream/x"), c, (req, res) -> ((MockHttpServletResponse) res).setStatus(200));
      assertThat(c.getStatus()).isEqualTo(503);
      assertThat(Integer.parseInt(c.getHeader("Retry-After"))).isBetween(2, 6);
      assertThat(c.getContentAsString()).contains("streams_busy");
      // requests that are not stream openings are not bounded
      MockHttpServletResponse post = new MockHttpServletResponse();
      MockHttpServletRequest create = new MockHttpServletRequest("POST", "/api/v1/runs");
      create.setRequestURI("/api/v1/runs");
      admission.doFilter(
          create, post, (req, res) -> ((MockHttpServletResponse) res).setStatus(202));
      assertThat(post.getStatus()).isEqualTo(202);
      assertThat(bInside.getCount()).isEqualTo(1);
      release.countDown();
      assertThat(a.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
      assertThat(b.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }
  }

  @Test
  void shouldRefuseAnOpeningThatWaitedTooLong() throws Exception {
    StreamAdmission admission = admission(0, 10, Duration.ofMillis(50));
    MockHttpServletResponse response = new MockHttpServletResponse();
    admission.doFilter(
        get("/api/v1/runs/r1/stream"),
        response,
        (req, res) -> ((MockHttpServletResponse) res).setStatus(200));
    assertThat(response.getStatus()).isEqualTo(503);
    assertThat(Integer.parseInt(response.getHeader("Retry-After"))).isBetween(2, 6);
  }

  private static double waiting(StreamAdmission admission) throws Exception {
    var field = StreamAdmission.class.getDeclaredField("waiting");
    field.setAccessible(true);
    return ((AtomicInteger) field.get(admission)).get();
  }
}
