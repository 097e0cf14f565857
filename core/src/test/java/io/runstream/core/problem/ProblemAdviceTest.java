package io.runstream.core.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLTransientConnectionException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.transaction.CannotCreateTransactionException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A failure on an SSE stream: a problem while nothing was sent, the stream's quiet end once it was.
 */
class ProblemAdviceTest {
  private final ProblemAdvice advice =
      new ProblemAdvice(new Problems(JsonMapper.builder().build(), List.of()));
  private final Exception poolTimeout =
      new CannotCreateTransactionException(
          "Could not open JDBC Connection", new SQLTransientConnectionException("timeout"));

  @Test
  void shouldAnswerAProblemNotAnEventStreamWhenTheStreamHadSentNothing() {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/runs/x/stream");
    MockHttpServletResponse response = new MockHttpServletResponse();
    response.setContentType("text/event-stream");
    response.setHeader("Cache-Control", "no-cache");
    var answer = advice.databaseUnavailable(poolTimeout, request, response);
    assertThat(answer).isNotNull();
    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    assertThat(response.getContentType()).isNull();
  }

  @Test
  void shouldEndAStreamThatAlreadySentItsOpeningWithoutWritingAProblemIntoIt() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/runs/x/stream");
    MockHttpServletResponse response = new MockHttpServletResponse();
    response.setContentType("text/event-stream");
    response.getOutputStream().write(": ok\n\n".getBytes());
    response.flushBuffer();
    assertThat(advice.databaseUnavailable(poolTimeout, request, response)).isNull();
    assertThat(advice.unexpected(new IllegalStateException("boom"), request, response)).isNull();
    assertThat(response.getContentAsString()).isEqualTo(": ok\n\n");
  }
}
