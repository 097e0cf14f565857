package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue #29 item 6: every {@code runstream.*} setting has configuration metadata with a description
 * (IDEs complete and explain it), and {@code docs/configuration.md} is the one table of them, each
 * with its one environment variable name, made from that metadata. {@code
 * -Drunstream.docs.write=true} rewrites the table after a setting changed.
 */
class ConfigurationMetadataTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Path DOC = Path.of("..", "docs", "configuration.md");
  private static final String BEGIN =
      "<!-- settings: generated from the configuration metadata -->";
  private static final String END = "<!-- end of settings -->";

  record Setting(String name, String type, String defaultValue, String description) {}

  static Map<String, Setting> settings() throws IOException {
    Map<String, Setting> settings = new TreeMap<>();
    List<URL> files =
        Collections.list(
            ConfigurationMetadataTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"));
    for (URL file : files) {
      try (InputStream in = file.openStream()) {
        for (JsonNode property : JSON.readTree(in).path("properties")) {
          String name = property.path("name").asString();
          if (name.startsWith("runstream.")) {
            JsonNode value = property.get("defaultValue");
            settings.put(
                name,
                new Setting(
                    name,
                    property.path("type").asString(""),
                    value == null || value.isNull()
                        ? ""
                        : value.isArray() ? join(value) : value.asString(),
                    property.path("description").asString("")));
          }
        }
      }
    }
    return settings;
  }

  private static String join(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asString()));
    return String.join(",", values);
  }

  /**
   * Spring Boot's environment variable for a property: upper case, dots as underscores, dashes
   * dropped.
   */
  static String environmentVariable(String property) {
    return property
        .replace("-", "")
        .replace('.', '_')
        .replace("[", "_")
        .replace("]", "")
        .toUpperCase();
  }

  static String table(Map<String, Setting> settings) {
    StringBuilder table = new StringBuilder(BEGIN).append("\n\n");
    table.append("| setting | environment variable | default | what it is |\n|---|---|---|---|\n");
    for (Setting setting : settings.values()) {
      table
          .append("| `")
          .append(setting.name())
          .append("` | `")
          .append(environmentVariable(setting.name()))
          .append("` | ")
          .append(setting.defaultValue().isEmpty() ? "" : "`" + setting.defaultValue() + "`")
          .append(" | ")
          .append(cell(setting.description()))
          .append(" |\n");
    }
    return table.append('\n').append(END).toString();
  }

  private static String cell(String text) {
    return text.replaceAll("\\{@(?:code|link) ([^}]*)}", "`$1`")
        .replace("\r", "")
        .replace("\n", " ")
        .replace("|", "\\|")
        .replaceAll("\\s+", " ")
        .strip();
  }

  @Test
  void shouldDescribeEverySetting() throws IOException {
    Map<String, Setting> settings = settings();
    // the modules' settings are all there (a module whose metadata went missing fails here)
    assertThat(settings)
        .containsKeys(
            "runstream.kafka.bootstrap-servers",
            "runstream.kafka.chunk-linger",
            "runstream.security.jwt-secret",
            "runstream.worker.max-run-duration",
            "runstream.fanout.suspend-streams",
            "runstream.sink.fetch-max-wait",
            "runstream.usage.commit-interval",
            "runstream.ingest.previous-run-wait",
            "runstream.health.consumer-stall-after",
            "runstream.worker.node-id",
            "runstream.genie.instructions");
    assertThat(settings.values())
        .allSatisfy(
            setting ->
                assertThat(setting.description())
                    .as("description of %s", setting.name())
                    .isNotBlank());
  }

  @Test
  void shouldSetOnlyKnownSettingsInTheDefaults() throws IOException {
    Map<String, Setting> settings = settings();
    Properties defaults = new Properties();
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("runstream-defaults.properties")) {
      defaults.load(in);
    }
    for (String key : defaults.stringPropertyNames()) {
      if (key.startsWith("runstream.")) {
        assertThat(settings.keySet())
            .as("runstream-defaults.properties sets %s", key)
            .anyMatch(
                name ->
                    key.equals(name) || key.startsWith(name + ".") || key.startsWith(name + "["));
      }
    }
  }

  @Test
  void shouldListEverySettingInDocsConfiguration() throws IOException {
    String table = table(settings());
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    if (Boolean.getBoolean("runstream.docs.write")) {
      doc =
          doc.substring(0, doc.indexOf(BEGIN))
              + table
              + doc.substring(doc.indexOf(END) + END.length());
      Files.writeString(DOC, doc, StandardCharsets.UTF_8);
    }
    assertThat(doc)
        .as(
            "docs/configuration.md is behind the code: run this test with -Drunstream.docs.write=true")
        .contains(table);
  }
}
