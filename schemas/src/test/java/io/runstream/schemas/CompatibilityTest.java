package io.runstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chunk and run-request records stay backward compatible for the consumers of the topics: every
 * record of a released version (its golden records and schemas, frozen under {@code
 * compat/<version>/}) validates against today's schemas and decodes with today's codec without
 * losing a field, and today's schemas require nothing the released ones did not and change no
 * released field's type. A change that breaks this fails the build; a breaking change needs a new
 * schema version ({@code v}) instead.
 */
class CompatibilityTest {
  /** The released versions whose records must stay readable. */
  private static final List<String> RELEASED = List.of("v1-2026-12-01");

  private static final ObjectMapper JACKSON2 = new ObjectMapper();
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static JsonNode json(String resource) throws Exception {
    return JACKSON2.readTree(GoldenEvents.resource(resource));
  }

  @Test
  void everyReleasedChunkValidatesAndDecodesTodayWithoutLosingAField() throws Exception {
    var schema = FACTORY.getSchema(GoldenEvents.resource("/schemas/run-chunk.v1.json"));
    for (String version : RELEASED) {
      for (String line :
          GoldenEvents.resource("/compat/" + version + "/run-chunks.jsonl")
              .lines()
              .filter(l -> !l.isBlank())
              .toList()) {
        JsonNode released = JACKSON2.readTree(line);
        assertThat(schema.validate(released)).as(version + ": " + line).isEmpty();
        RunChunk decoded = EventJson.readChunk(line.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.data())
            .as(version + ": " + line)
            .isNotInstanceOf(ChunkData.Unrecognized.class);
        JsonNode again = JACKSON2.readTree(EventJson.writeChunk(decoded));
        assertContains(version + ": " + line, released, again);
      }
    }
  }

  @Test
  void theReleasedRunRequestValidatesAndDecodesTodayWithoutLosingAField() throws Exception {
    var schema = FACTORY.getSchema(GoldenEvents.resource("/schemas/run-requested.v1.json"));
    for (String version : RELEASED) {
      String text = GoldenEvents.resource("/compat/" + version + "/run-requested.json");
      JsonNode released = JACKSON2.readTree(text);
      assertThat(schema.validate(released)).as(version).isEmpty();
      RunRequested decoded = EventJson.MAPPER.readValue(text, RunRequested.class);
      assertContains(
          version, released, JACKSON2.readTree(EventJson.MAPPER.writeValueAsString(decoded)));
    }
  }

  @Test
  void todaysSchemasRequireNothingNewAndKeepEveryReleasedFieldsType() throws Exception {
    for (String version : RELEASED) {
      for (String name : List.of("run-chunk.v1.json", "run-requested.v1.json")) {
        JsonNode released = json("/compat/" + version + "/" + name);
        JsonNode today = json("/schemas/" + name);
        Map<String, JsonNode> releasedRules = rules(released);
        Map<String, JsonNode> todayRules = rules(today);
        assertThat(todayRules.keySet())
            .as(name + ": the record kinds of " + version)
            .containsAll(releasedRules.keySet());
        for (Map.Entry<String, JsonNode> rule : releasedRules.entrySet()) {
          JsonNode before = rule.getValue();
          JsonNode now = todayRules.get(rule.getKey());
          assertThat(strings(now.path("required")))
              .as(name + " " + rule.getKey() + ": required")
              .isSubsetOf(strings(before.path("required")));
          Iterator<Map.Entry<String, JsonNode>> fields = before.path("properties").fields();
          while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode kept = now.path("properties").get(field.getKey());
            assertThat(kept)
                .as(name + " " + rule.getKey() + "." + field.getKey() + " is still there")
                .isNotNull();
            if (field.getValue().has("type")) {
              assertThat(types(kept.path("type")))
                  .as(name + " " + rule.getKey() + "." + field.getKey() + " type")
                  .containsAll(types(field.getValue().path("type")));
            }
          }
        }
      }
    }
  }

  /** The schema's rules by record kind: the top level, and each chunk type's {@code data}. */
  private static Map<String, JsonNode> rules(JsonNode schema) {
    Map<String, JsonNode> rules = new HashMap<>();
    rules.put("(record)", schema);
    for (JsonNode branch : schema.path("allOf")) {
      JsonNode kind = branch.path("if").path("properties").path("type");
      JsonNode data = branch.path("then").path("properties").path("data");
      for (String type :
          kind.has("const") ? List.of(kind.path("const").asText()) : strings(kind.path("enum"))) {
        if (!data.isMissingNode()) {
          rules.put(type, data);
        }
      }
    }
    return rules;
  }

  private static List<String> strings(JsonNode array) {
    return array.isArray()
        ? JACKSON2.convertValue(
            array, JACKSON2.getTypeFactory().constructCollectionType(List.class, String.class))
        : List.of();
  }

  private static Set<String> types(JsonNode type) {
    return type.isArray() ? new HashSet<>(strings(type)) : Set.of(type.asText());
  }

  /** Every field of {@code expected}, at any depth, is in {@code actual} with the same value. */
  private static void assertContains(String where, JsonNode expected, JsonNode actual) {
    if (expected.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = expected.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        assertThat(actual.has(field.getKey()))
            .as(where + ": field " + field.getKey() + " kept")
            .isTrue();
        assertContains(where, field.getValue(), actual.get(field.getKey()));
      }
    } else if (expected.isNumber() && actual.isNumber()) {
      assertThat(actual.decimalValue().compareTo(expected.decimalValue())).as(where).isZero();
    } else {
      assertThat(actual).as(where).isEqualTo(expected);
    }
  }
}
