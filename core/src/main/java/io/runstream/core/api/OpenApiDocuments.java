package io.runstream.core.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springdoc.core.models.GroupedOpenApi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.1 documents of Runstream's faces (issue #26 item 3), generated from the controllers
 * by springdoc: {@code /v3/api-docs/<face>} for each face ({@link #FACES}), {@code /v3/api-docs}
 * for all of them, and Swagger UI at {@code /swagger-ui/index.html}. Each service documents the
 * endpoints it serves (a fan-out node alone: the streams and the POST-stream faces). The documents
 * are public, like the contract; calling the API needs a bearer token (the {@code bearer} scheme
 * below).
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiDocuments {
  /** Each face's group name and the paths that are that face. */
  public static final List<Face> FACES =
      List.of(
          new Face(
              "canonical",
              "Sessions and runs: the canonical face (AI SDK UI message stream)",
              "/api/v1/sessions/**",
              "/api/v1/runs/**",
              "/api/v1/usage/**",
              "/api/v1/projects/**",
              "/api/v1/context/**",
              "/api/v1/auth/**"),
          new Face(
              "agent-stream",
              "The agent-stream face (seed 001): POST a task, GET its stream",
              "/ai/**"),
          new Face(
              "project-chat",
              "The project-chat face (seed 002): the POST answers with the stream",
              "/api/v1/chat/**"),
          new Face(
              "genie",
              "The genie stream-chat face (seed 000) and its onboarding administration",
              "/api/genie/**"),
          new Face("operations", "Operators: token budgets", "/api/v1/admin/**"));

  /** A face's document: its group name, title and paths. */
  public record Face(String group, String title, String... paths) {}

  @Bean
  public OpenAPI runstreamOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Runstream")
                .version("0.1.0")
                .description(
                    "Streams AI agent runs over Server-Sent Events with an id on every event: a client that drops "
                        + "reconnects with Last-Event-ID and misses nothing. One core, several faces; each face's own "
                        + "contract in the repository: docs/faces/.")
                .license(new License().name("Apache-2.0")))
        .components(
            new Components()
                .addSecuritySchemes(
                    "bearer",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT")))
        .addSecurityItem(new SecurityRequirement().addList("bearer"));
  }

  @Bean
  public GroupedOpenApi canonicalFaceDocument() {
    return group(FACES.get(0));
  }

  @Bean
  public GroupedOpenApi agentStreamFaceDocument() {
    return group(FACES.get(1));
  }

  @Bean
  public GroupedOpenApi projectChatFaceDocument() {
    return group(FACES.get(2));
  }

  @Bean
  public GroupedOpenApi genieFaceDocument() {
    return group(FACES.get(3));
  }

  @Bean
  public GroupedOpenApi operationsDocument() {
    return group(FACES.get(4));
  }

  private static GroupedOpenApi group(Face face) {
    return GroupedOpenApi.builder()
        .group(face.group())
        .displayName(face.title())
        .pathsToMatch(face.paths())
        .build();
  }
}
