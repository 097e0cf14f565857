package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #13 item 4: the Grafana dashboard and the Prometheus alert rules in {@code infra/observability} parse, and
 * every metric they name is on {@code /actuator/prometheus} of the running platform.
 */
class ObservabilityFilesIT extends PlatformIT {
  private static final Path DIR = Path.of("..", "infra", "observability");
  private static final Pattern METRIC = Pattern.compile("\\b(runstream_[a-z0-9_]+)");

  private Set<String> exposed() throws Exception {
    // One run, so that every per-run series exists.
    String token = TestApi.freshToken();
    String session = api().post("/api/v1/sessions", token, TestApi.sessionBody("metrics", 10, 0)).json().path("uuid").asString();
    try (TestApi.Stream stream = api().stream("/api/v1/sessions/" + session + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    Set<String> names = new LinkedHashSet<>();
    for (String line : api().get("/actuator/prometheus", TestApi.operatorToken("operators")).body().split("\n")) {
      Matcher m = Pattern.compile("^(runstream_[a-z0-9_]+)").matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static List<String> named(String text) {
    List<String> names = new ArrayList<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  @Test
  void theDashboardParsesAndEveryMetricItShowsIsExposed() throws Exception {
    JsonNode dashboard = TestApi.JSON.readTree(Files.readString(DIR.resolve("grafana/runstream-dashboard.json")));
    assertThat(dashboard.path("uid").asString()).isEqualTo("runstream");
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("title").asString()).isNotBlank();
      for (JsonNode target : panel.path("targets")) {
        expressions.add(target.path("expr").asString());
      }
    }
    assertThat(expressions).hasSizeGreaterThanOrEqualTo(14);
    Set<String> exposed = exposed();
    for (String expression : expressions) {
      List<String> names = named(expression);
      assertThat(names).as(expression).isNotEmpty();
      assertThat(exposed).as("metrics of " + expression).containsAll(names);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theAlertRulesParseAndEveryMetricTheyWatchIsExposed() throws Exception {
    Map<String, Object> rules = new org.yaml.snakeyaml.Yaml().load(Files.readString(DIR.resolve("prometheus/runstream-alerts.yml")));
    List<Map<String, Object>> groups = (List<Map<String, Object>>) rules.get("groups");
    List<Map<String, Object>> all = new ArrayList<>();
    groups.forEach(group -> all.addAll((List<Map<String, Object>>) group.get("rules")));
    assertThat(all).extracting(rule -> rule.get("alert")).contains(
        "RunstreamFanoutLagging", "RunstreamDeadLetters", "RunstreamStuckRuns");
    Set<String> exposed = exposed();
    for (Map<String, Object> rule : all) {
      String expression = String.valueOf(rule.get("expr"));
      assertThat(((Map<String, Object>) rule.get("annotations")).get("summary")).as(rule.get("alert").toString()).isNotNull();
      assertThat(exposed).as("metrics of " + expression).containsAll(named(expression));
    }
  }
}
