package io.runstream.core.api;

import io.runstream.core.face.Face;
import io.runstream.core.face.FaceBeans;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.models.GroupedOpenApi;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI 3.1 documents of Runstream's faces (issue #26 item 3), generated from the controllers
 * by springdoc: {@code /v3/api-docs/<face>} for each registered face (one group per {@link Face}
 * bean, its {@link Face#documentedPaths()}), {@code /v3/api-docs/operations} for the operators'
 * endpoints, {@code /v3/api-docs} for all of them, and Swagger UI at {@code
 * /swagger-ui/index.html}. Each service documents the endpoints it serves (a fan-out node alone:
 * the streams and the POST-stream faces). The documents are public, like the contract; calling the
 * API needs a bearer token (the {@code bearer} scheme below).
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiDocuments {
  /** The operators' group: not a face. */
  public static final String OPERATIONS = "operations";

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

  /** One group per registered face ({@code <face bean>OpenApiGroup}), its name the face's. */
  @Bean
  public static BeanFactoryPostProcessor faceDocuments() {
    return FaceBeans.perFace("OpenApiGroup", GroupedOpenApi.class, (beans, face) -> group(face));
  }

  @Bean
  public GroupedOpenApi operationsDocument() {
    return GroupedOpenApi.builder()
        .group(OPERATIONS)
        .displayName("Operators: token budgets")
        .pathsToMatch("/api/v1/admin/**")
        .build();
  }

  /**
   * The face's document: its name, title and documented paths, with its request, answer and error
   * schemas ({@link FaceContract}).
   */
  public static GroupedOpenApi group(Face face) {
    GroupedOpenApi.Builder group =
        GroupedOpenApi.builder()
            .group(face.name())
            .displayName(face.title())
            .pathsToMatch(face.documentedPaths().toArray(String[]::new));
    FaceContract contract = FaceContract.load(face.contract());
    if (contract != null) {
      group.addOpenApiCustomizer(contract);
    }
    return group.build();
  }
}
