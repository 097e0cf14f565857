package io.runstream.core.face;

import java.util.List;

/**
 * One API face over the core, registered as a bean: its name, its paths, how it authenticates and
 * its error dialect. {@link FaceRegistry} collects every face of the process, and what used to be
 * written once per face by hand is derived from it: the face's security filter chain and the
 * requests the sign-in cookie may authenticate ({@code core.identity}), the stream admission's
 * paths ({@code fanout.stream}), the OpenAPI group ({@code core.api}). A face's request mapper
 * ({@code admission.RunRequestMapper}) and renderer ({@code fanout.sse.FaceRenderer}) are beans of
 * the face's own package that name it by {@link #name()}; the renderer's cache slot on a hot chunk
 * is assigned from the registered renderers ({@code fanout.sse.RendererSlots}). Adding a face adds
 * a package (its {@code Face} bean, controllers, mapper and renderer) and edits nothing shared.
 */
public interface Face extends ErrorDialect {

  /** The face's id, as run requests and sessions name it, and its OpenAPI group. */
  String name();

  /** The title of the face's OpenAPI document. */
  String title();

  /**
   * The path patterns of the face's own security filter chain (every request of them needs an
   * identity, answered in the face's dialect); empty for a face served by the default chain (the
   * canonical face: {@code /api/**}).
   */
  List<String> paths();

  /** The POSTs that start a run (documentation and the registry's checks). */
  List<String> postPaths();

  /**
   * The SSE GETs of the face: the only requests the sign-in cookie may authenticate (browsers'
   * {@code EventSource} cannot send headers), and those stream admission bounds.
   */
  List<String> streamPaths();

  /** The path patterns of the face's OpenAPI document; by default its {@link #paths()}. */
  default List<String> documentedPaths() {
    return paths();
  }

  /**
   * The classpath resource that names the face's request, answer and error schemas for its OpenAPI
   * document ({@code core.api.FaceContract}); by default {@code openapi/<name>.json}.
   */
  default String contract() {
    return "openapi/" + name() + ".json";
  }

  /** How requests of the face's own chain authenticate; by default the bearer JWT. */
  default FaceAuthentication authentication() {
    return FaceAuthentication.BEARER;
  }

  /**
   * Request headers the face's clients send from a browser, allowed by its chain's CORS policy
   * besides the ones every face allows ({@code core.identity.CorsPolicy}); none by default.
   */
  default List<String> corsRequestHeaders() {
    return List.of();
  }

  /**
   * Response headers the face's clients read in a browser, exposed by its chain's CORS policy
   * besides the ones every face exposes; none by default.
   */
  default List<String> corsExposedHeaders() {
    return List.of();
  }
}
