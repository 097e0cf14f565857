package io.runstream.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.net.PublicUrls;
import io.runstream.core.problem.ApiException;
import io.runstream.core.problem.ApiLimits;
import io.runstream.schemas.RunRequested;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RequestFieldsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final RequestFields fields =
      new RequestFields(
          new ApiLimits(1 << 20, 20_000, 200, 100, 16_384, 200),
          new PublicUrls(new PublicUrls.Settings(false, List.of())));

  private static JsonNode json(String text) {
    return JSON.readTree(text);
  }

  @Test
  void shouldReadTheFourDoubleTextingStrategiesAndFallBackToTheDefault() {
    assertThat(
            fields.multitaskStrategy(json("{}"), "multitask_strategy", MultitaskStrategy.ENQUEUE))
        .isEqualTo(MultitaskStrategy.ENQUEUE);
    assertThat(
            fields.multitaskStrategy(
                json("{\"multitask_strategy\":null}"),
                "multitask_strategy",
                MultitaskStrategy.REJECT))
        .isEqualTo(MultitaskStrategy.REJECT);
    for (MultitaskStrategy strategy : MultitaskStrategy.values()) {
      assertThat(
              fields.multitaskStrategy(
                  json("{\"s\":\"" + strategy.wire() + "\"}"), "s", MultitaskStrategy.REJECT))
          .isEqualTo(strategy);
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"s\":\"later\"}",
        "{\"s\":\"Enqueue\"}",
        "{\"s\":\"\"}",
        "{\"s\":1}",
        "{\"s\":[\"enqueue\"]}"
      })
  void shouldRejectAnyOtherStrategyNamingTheField(String body) {
    assertThatThrownBy(() -> fields.multitaskStrategy(json(body), "s", MultitaskStrategy.REJECT))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.properties().get("errors").toString())
                  .contains("field=s")
                  .contains("reject, enqueue, interrupt, rollback");
            });
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
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.properties().get("errors").toString()).contains("field=" + field);
            });
  }

  @Test
  void shouldCountCharactersNotUtf16UnitsAgainstTheTextLimit() {
    String emoji = "\uD83D\uDE00".repeat(20_000); // 20,000 code points, 40,000 chars
    assertThat(
            fields.messageText(json("{\"text\":" + JSON.writeValueAsString(emoji) + "}"), "text"))
        .isEqualTo(emoji);
    assertThatThrownBy(
            () ->
                fields.messageText(
                    json("{\"text\":" + JSON.writeValueAsString(emoji + "x") + "}"), "text"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void shouldReadTheModelInEveryAcceptedShape() {
    assertThat(fields.model(json("{\"model\":\"gpt-4o\"}"), "model", "simulated"))
        .isEqualTo(new RunRequested.ModelRef("simulated", "gpt-4o"));
    assertThat(fields.model(json("{\"model\":\"openai/gpt-4o\"}"), "model", "simulated"))
        .isEqualTo(new RunRequested.ModelRef("openai", "gpt-4o"));
    assertThat(
            fields.model(
                json("{\"model\":{\"provider\":\"anthropic\",\"model_id\":\"claude\"}}"),
                "model",
                "simulated"))
        .isEqualTo(new RunRequested.ModelRef("anthropic", "claude"));
    assertThat(fields.model(json("{}"), "model", "simulated")).isNull();
    assertThatThrownBy(() -> fields.model(json("{\"model\":[1]}"), "model", "simulated"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void shouldValidateHistoryEntries() {
    assertThat(fields.history(json("{\"h\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "h"))
        .containsExactly(new RunRequested.HistoryEntry("user", "hi"));
    for (String bad :
        List.of(
            "{\"h\":{}}",
            "{\"h\":[1]}",
            "{\"h\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
            "{\"h\":[{\"role\":\"user\"}]}")) {
      assertThatThrownBy(() -> fields.history(json(bad), "h"))
          .as(bad)
          .isInstanceOf(ApiException.class);
    }
    String tooMany =
        "{\"h\":["
            + String.join(",", Collections.nCopies(101, "{\"role\":\"user\",\"content\":\"x\"}"))
            + "]}";
    assertThatThrownBy(() -> fields.history(json(tooMany), "h")).isInstanceOf(ApiException.class);
  }

  @Test
  void shouldKeepMetadataAsJsonWithinItsLimit() {
    assertThat(fields.metadata(json("{\"metadata\":{\"source\":\"api-docs\"}}"), "metadata"))
        .isEqualTo("{\"source\":\"api-docs\"}");
    assertThatThrownBy(
            () ->
                fields.metadata(
                    json("{\"metadata\":{\"x\":\"" + "m".repeat(16_400) + "\"}}"), "metadata"))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void shouldAnswerNotFoundForASessionIdThatIsNoUuid() {
    assertThatThrownBy(() -> fields.optionalSessionId(json("{\"s\":\"abc\"}"), "s"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.status().value()).isEqualTo(404));
  }

  @Test
  void shouldPaginateWithLinksOnlyWhereThereIsAPage() {
    PageRequest page = PageRequest.parse("2", "10", 50, 200);
    var answer = page.answer("http://x/list", 25, List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assertThat(answer.get("next")).isEqualTo("http://x/list?page=3&page_size=10");
    assertThat(answer.get("previous")).isEqualTo("http://x/list?page=1&page_size=10");
    var last =
        PageRequest.parse("3", "10", 50, 200).answer("http://x/list", 25, List.of(1, 2, 3, 4, 5));
    assertThat(last.get("next")).isNull();
    assertThatThrownBy(() -> PageRequest.parse("0", null, 50, 200))
        .isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> PageRequest.parse(null, "201", 50, 200))
        .isInstanceOf(ApiException.class);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[\"http://169.254.169.254/latest/meta-data/iam/\"]|images[0]|a cloud metadata address",
        "[\"https://img.example.com/ok.png\",{\"url\":\"http://127.0.0.1:8080/admin\"}]|images[1].url|a loopback address",
        "[{\"url\":\"http://[::1]/\"}]|images[0].url|a loopback address",
        "[\"http://0x0a000001/x.png\"]|images[0]|a private address",
        "[\"http://localhost/x.png\"]|images[0]|a loopback address",
        "[\"http://metadata.google.internal/computeMetadata/v1/\"]|images[0]|a cloud metadata address",
        "[\"http://192.168.0.10/cam.jpg\"]|images[0]|a private address",
        "[\"http://1.2.3.999/x.png\"]|images[0]|must be an http or https URL with a valid host"
      })
  void imageUrlsOfTheDeploymentsOwnNetworksAreRefusedNamingTheField(
      String images, String field, String reason) {
    assertThatThrownBy(() -> fields.images(json("{\"images\":" + images + "}"), "images"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status().value()).isEqualTo(400);
              assertThat(e.getMessage()).startsWith(field + ": ").contains(reason);
            });
  }

  @Test
  void publicAndDataImageUrlsAreTaken() {
    List<RunRequested.ImageRef> images =
        fields.images(
            json(
                "{\"images\":[\"https://img.example.com/cat.png\",\"data:image/png;base64,iVBORw0K\",{\"data\":\"iVBORw0K\"}]}"),
            "images");
    assertThat(images).hasSize(3);
  }

  @Test
  void privateImageUrlsAreTakenWhereTheOperatorAllowsThem() {
    RequestFields lenient =
        new RequestFields(
            new ApiLimits(1 << 20, 20_000, 200, 100, 16_384, 200),
            new PublicUrls(new PublicUrls.Settings(true, List.of())));
    assertThat(lenient.images(json("{\"images\":[\"http://10.0.0.5/x.png\"]}"), "images"))
        .hasSize(1);
    assertThatThrownBy(
            () -> lenient.images(json("{\"images\":[\"http://169.254.169.254/\"]}"), "images"))
        .hasMessageContaining("a cloud metadata address");
  }
}
