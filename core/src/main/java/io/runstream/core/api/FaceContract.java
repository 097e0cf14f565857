package io.runstream.core.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A face's request, answer and error schemas in its OpenAPI document (issue #26 item 3): the
 * controllers read raw JSON (each face validates its fields in its own dialect), so springdoc
 * cannot infer them; each face names them in {@code openapi/<face>.json} on the classpath ({@link
 * io.runstream.core.face.Face#contract()}): {@code schemas} (JSON Schema 2020-12, as OpenAPI 3.1
 * uses), {@code errors} (the schema of every 4xx answer of the face), {@code errorMediaType}, and
 * {@code operations} ({@code "POST /path"} → its {@code request} schema and its {@code answers} by
 * status). A face without the file documents what springdoc infers.
 */
public final class FaceContract implements OpenApiCustomizer {
  private static final String REF = "#/components/schemas/";
  private final JsonNode contract;

  private FaceContract(JsonNode contract) {
    this.contract = contract;
  }

  /** The contract in {@code resource}, or null when there is none. */
  public static FaceContract load(String resource) {
    try (InputStream in = FaceContract.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? null : new FaceContract(JsonMapper.shared().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the face contract " + resource, e);
    }
  }

  /** The named schemas, as JSON. */
  public JsonNode schemas() {
    return contract.path("schemas");
  }

  /** The name of the schema every error answer of the face follows. */
  public String errors() {
    return contract.path("errors").asString();
  }

  @Override
  public void customise(OpenAPI api) {
    if (api.getComponents() == null) {
      api.components(new Components());
    }
    for (Map.Entry<String, JsonNode> schema : contract.path("schemas").properties()) {
      api.getComponents().addSchemas(schema.getKey(), schema(schema.getValue()));
    }
    String errorType = contract.path("errorMediaType").asString("application/json");
    String errors = errors();
    if (api.getPaths() == null) {
      return;
    }
    for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
      for (Map.Entry<PathItem.HttpMethod, Operation> operation :
          path.getValue().readOperationsMap().entrySet()) {
        Operation op = operation.getValue();
        if (op.getResponses() == null) {
          op.setResponses(new ApiResponses());
        }
        op.getResponses()
            .addApiResponse(
                "4XX",
                new ApiResponse()
                    .description("An error, in this face's dialect")
                    .content(content(errorType, errors)));
        JsonNode declared =
            contract
                .path("operations")
                .path(operation.getKey().name().toUpperCase(Locale.ROOT) + " " + path.getKey());
        if (declared.path("request").isString()) {
          op.setRequestBody(
              new RequestBody()
                  .required(true)
                  .content(content("application/json", declared.path("request").asString())));
        }
        for (Map.Entry<String, JsonNode> answer : declared.path("answers").properties()) {
          op.getResponses()
              .addApiResponse(
                  answer.getKey(),
                  new ApiResponse()
                      .description("Accepted")
                      .content(content("application/json", answer.getValue().asString())));
        }
      }
    }
  }

  private static Content content(String mediaType, String schema) {
    return new Content()
        .addMediaType(mediaType, new MediaType().schema(new Schema<>().$ref(REF + schema)));
  }

  private static Schema<?> schema(JsonNode json) {
    try {
      return Json31.mapper().readValue(json.toString(), Schema.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "A face contract's schema does not read: " + e.getMessage(), e);
    }
  }
}
