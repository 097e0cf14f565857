package io.runstream.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.schemas.RunRequested;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RequestFieldsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final RequestFields fields = new RequestFields(new ApiLimits(1 << 20, 20_000, 200, 100, 16_384, 200));

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}|text",
        "{\"text\":null}|text",
        "{\"text\":\"\"}|text",
        "{\"text\":\"  \\t\\n\"}|text",
        "{\"text\":1}|text",
        "{\"text\":{}}|text"
      })
  void shouldRejectMissingBlankOrNonStringTextNamingTheField(String body, String field) {
    assertThatThrownBy(() -> fields.messageText(json(body), "text"))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status().value()).isEqualTo(400);
          assertThat(e.properties().get("errors").toString()).contains("field=" + field);
        });
  }

  @Test
  void shouldCountCharactersNotUtf16UnitsAgainstTheTextLimit() {
    String emoji = "\uD83D\uDE00".repeat(20_000); // 20,000 code points, 40,000 chars
    assertThat(fields.messageText(json("{\"text\":" + JSON.writeValueAsString(emoji) + "}"), "text")).isEqualTo(emoji);
    assertThatThrownBy(() -> fields.messageText(json("{\"text\":" + JSON.writeValueAsString(emoji + "x") + "}"), "text"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void shouldReadTheModelInEveryAcceptedShape() {
    assertThat(fields.model(json("{\"model\":\"gpt-4o\"}"), "model", "simulated"))
        .isEqualTo(new RunRequested.ModelRef("simulated", "gpt-4o"));
    assertThat(fields.model(json("{\"model\":\"openai/gpt-4o\"}"), "model", "simulated"))
        .isEqualTo(new RunRequested.ModelRef("openai", "gpt-4o"));
    assertThat(fields.model(json("{\"model\":{\"provider\":\"anthropic\",\"model_id\":\"claude\"}}"), "model", "simulated"))
        .isEqualTo(new RunRequested.ModelRef("anthropic", "claude"));
    assertThat(fields.model(json("{}"), "model", "simulated")).isNull();
    assertThatThrownBy(() -> fields.model(json("{\"model\":[1]}"), "model", "simulated")).isInstanceOf(ApiException.class);
  }

  @Test
  void shouldValidateHistoryEntries() {
    assertThat(fields.history(json("{\"h\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "h"))
        .containsExactly(new RunRequested.HistoryEntry("user", "hi"));
    for (String bad : List.of("{\"h\":{}}", "{\"h\":[1]}", "{\"h\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
        "{\"h\":[{\"role\":\"user\"}]}")) {
      assertThatThrownBy(() -> fields.history(json(bad), "h")).as(bad).isInstanceOf(ApiException.class);
    }
    String tooMany = "{\"h\":[" + String.join(",", java.util.Collections.nCopies(101, "{\"role\":\"user\",\"content\":\"x\"}")) + "]}";
    assertThatThrownBy(() -> fields.history(json(tooMany), "h")).isInstanceOf(ApiException.class);
  }

  @Test
  void shouldKeepMetadataAsJsonWithinItsLimit() {
    assertThat(fields.metadata(json("{\"metadata\":{\"source\":\"api-docs\"}}"), "metadata")).isEqualTo("{\"source\":\"api-docs\"}");
    assertThatThrownBy(() -> fields.metadata(json("{\"metadata\":{\"x\":\"" + "m".repeat(16_400) + "\"}}"), "metadata"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void shouldAnswerNotFoundForASessionIdThatIsNoUuid() {
    assertThatThrownBy(() -> fields.optionalSessionId(json("{\"s\":\"abc\"}"), "s"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().value()).isEqualTo(404));
  }

  @Test
  void shouldPaginateWithLinksOnlyWhereThereIsAPage() {
    PageRequest page = PageRequest.parse("2", "10", 50, 200);
    var answer = page.answer("http://x/list", 25, List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assertThat(answer.get("next")).isEqualTo("http://x/list?page=3&page_size=10");
    assertThat(answer.get("previous")).isEqualTo("http://x/list?page=1&page_size=10");
    var last = PageRequest.parse("3", "10", 50, 200).answer("http://x/list", 25, List.of(1, 2, 3, 4, 5));
    assertThat(last.get("next")).isNull();
    assertThatThrownBy(() -> PageRequest.parse("0", null, 50, 200)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> PageRequest.parse(null, "201", 50, 200)).isInstanceOf(ApiException.class);
  }
}
