package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * Issue #13 item 4: the Grafana dashboard and the Prometheus alert rules in {@code
 * infra/observability} parse, and every metric they name is on {@code /actuator/prometheus} of the
 * running platform. Issue #29 item 7: every alert has a runbook section in {@code docs/runbook.md};
 * a target down, HTTP 5xx and refused stream openings are alerted; no panel or alert aggregates
 * per-instance quantiles (max/avg of a {@code quantile} series means nothing across instances):
 * quantiles come from {@code histogram_quantile} over buckets summed by {@code le}.
 */
class ObservabilityFilesIT extends PlatformIT {
  private static final Path DIR = Path.of("..", "infra", "observability");
  private static final Pattern METRIC =
      Pattern.compile("\\b((?:runstream|http_server)_[a-z0-9_]+)");

  /** Any series selector: a name right before its label matchers or range. */
  private static final Pattern SELECTOR =
      Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*[{\\[]");

  /** Made by Prometheus itself for every target, not exposed by a service. */
  private static final Set<String> SYNTHETIC = Set.of("up");

  private static final Path RUNBOOK = Path.of("..", "docs", "runbook.md");

  private Set<String> exposed() throws Exception {
    // One run, so that every per-run series exists.
    String token = TestApi.freshToken();
    String session =
        api()
            .post("/api/v1/sessions", token, TestApi.sessionBody("metrics", 10, 0))
            .json()
            .path("uuid")
            .asString();
    try (TestApi.Stream stream = api().stream("/api/v1/sessions/" + session + "/stream", token)) {
      stream.untilDone(Duration.ofSeconds(30));
    }
    Set<String> names = new LinkedHashSet<>();
    for (String line :
        api().get("/actuator/prometheus", TestApi.operatorToken("operators")).body().split("\n")) {
      Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static List<String> named(String text) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    Matcher selector = SELECTOR.matcher(text);
    while (selector.find()) {
      names.add(selector.group(1));
    }
    names.removeAll(SYNTHETIC);
    return new ArrayList<>(names);
  }

  /**
   * Why {@code expression} misreads quantiles, or null: it selects a per-instance {@code quantile}
   * series (which max/avg/sum cannot combine into a quantile of all instances), or takes {@code
   * histogram_quantile} of anything but rates of {@code _bucket} series summed by {@code le}.
   */
  static String quantileMisuse(String expression) {
    if (expression.matches("(?s).*\\bquantile\\s*=~?\\s*\".*")) {
      return "selects a per-instance quantile series";
    }
    Matcher m = Pattern.compile("histogram_quantile\\(\\s*[0-9.]+\\s*,(.*)").matcher(expression);
    while (m.find()) {
      String argument = m.group(1);
      if (!argument.matches(
          "(?s)\\s*sum\\s+by\\s*\\([^)]*\\ble\\b[^)]*\\)\\s*\\(\\s*rate\\([a-z0-9_]+_bucket\\b.*")) {
        return "histogram_quantile not over sum by (le, ...) (rate(..._bucket[...]))";
      }
    }
    return null;
  }

  @Test
  void shouldTellPerInstanceQuantilesFromBucketQuantiles() {
    // the dashboard's run-duration panel before issue #29, and the shapes that are wrong the same
    // way
    assertThat(
            quantileMisuse(
                "max by (status) (runstream_worker_run_duration_seconds{quantile=\"0.95\"})"))
        .isNotNull();
    assertThat(quantileMisuse("avg(runstream_fanout_consume_latency_seconds{quantile=\"0.99\"})"))
        .isNotNull();
    assertThat(
            quantileMisuse(
                "histogram_quantile(0.99, max by (le) (runstream_fanout_delivery_latency_seconds_bucket))"))
        .isNotNull();
    assertThat(
            quantileMisuse(
                "histogram_quantile(0.99, sum by (instance) (rate(runstream_x_seconds_bucket[5m])))"))
        .isNotNull();
    assertThat(
            quantileMisuse(
                "histogram_quantile(0.95, sum by (le, status) (rate(runstream_worker_run_duration_seconds_bucket[5m])))"))
        .isNull();
    assertThat(
            named(
                "sum by (instance) (rate(http_server_requests_seconds_count{status=~\"5..\"}[5m])) / up"))
        .containsExactly("http_server_requests_seconds_count");
  }

  @Test
  void theDashboardParsesAndEveryMetricItShowsIsExposed() throws Exception {
    JsonNode dashboard =
        TestApi.JSON.readTree(Files.readString(DIR.resolve("grafana/runstream-dashboard.json")));
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
      assertThat(quantileMisuse(expression)).as(expression).isNull();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theAlertRulesParseAndEveryMetricTheyWatchIsExposed() throws Exception {
    Map<String, Object> rules =
        new Yaml().load(Files.readString(DIR.resolve("prometheus/runstream-alerts.yml")));
    List<Map<String, Object>> groups = (List<Map<String, Object>>) rules.get("groups");
    List<Map<String, Object>> all = new ArrayList<>();
    groups.forEach(group -> all.addAll((List<Map<String, Object>>) group.get("rules")));
    assertThat(all)
        .extracting(rule -> rule.get("alert"))
        .contains(
            "RunstreamFanoutLagging",
            "RunstreamDeadLetters",
            "RunstreamStuckRuns",
            "RunstreamTargetDown",
            "RunstreamHttp5xx",
            "RunstreamStreamsRefused");
    Map<String, String> byName = new HashMap<>();
    all.forEach(
        rule -> byName.put(String.valueOf(rule.get("alert")), String.valueOf(rule.get("expr"))));
    assertThat(byName.get("RunstreamTargetDown"))
        .matches("(?s)\\s*up(\\{[^}]*\\})?\\s*==\\s*0\\s*");
    assertThat(byName.get("RunstreamHttp5xx"))
        .contains("http_server_requests_seconds_count{status=~\"5..\"}");
    assertThat(byName.get("RunstreamStreamsRefused"))
        .contains("runstream_fanout_streams_refused_total");
    Set<String> anchors = runbookAnchors();
    Set<String> exposed = exposed();
    for (Map<String, Object> rule : all) {
      String alert = rule.get("alert").toString();
      String expression = String.valueOf(rule.get("expr"));
      Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
      assertThat(annotations.get("summary")).as(alert).isNotNull();
      assertThat(exposed).as("metrics of " + expression).containsAll(named(expression));
      assertThat(quantileMisuse(expression)).as(alert + ": " + expression).isNull();
      String runbook = String.valueOf(annotations.get("runbook"));
      assertThat(runbook).as(alert + " runbook").startsWith("docs/runbook.md#");
      assertThat(anchors)
          .as(alert + " runbook section")
          .contains(runbook.substring(runbook.indexOf('#') + 1));
    }
  }

  /**
   * The anchors of {@code docs/runbook.md}'s sections (as GitHub makes them: lower case, spaces to
   * dashes, other punctuation dropped), only those that say what the alert means, how to confirm it
   * and what to do.
   */
  private static Set<String> runbookAnchors() throws Exception {
    Set<String> anchors = new LinkedHashSet<>();
    String[] sections = Files.readString(RUNBOOK).split("(?m)^## ");
    for (int i = 1; i < sections.length; i++) {
      String heading = sections[i].lines().findFirst().orElse("");
      String body = sections[i];
      if (body.contains("**Means:**")
          && body.contains("**Confirm:**")
          && body.contains("**Do:**")) {
        anchors.add(
            heading
                .strip()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9 _-]", "")
                .replace(' ', '-'));
      }
    }
    assertThat(anchors).isNotEmpty();
    return anchors;
  }
}
