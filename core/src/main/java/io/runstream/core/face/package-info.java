/**
 * The API faces of Runstream (docs/faces/): each face is a path space with its own authentication
 * and error dialect over the one core, registered as a {@link io.runstream.core.face.Face} bean and
 * collected by {@link io.runstream.core.face.FaceRegistry}, from which security, stream admission,
 * the OpenAPI groups and the renderers' slots are derived (ADR 0017). A face's controllers, request
 * mapper and renderer live in the module that serves them ({@code ingest.agentstream}, {@code
 * fanout.agentstream}, ...); the declarations of the four built-in faces live here, because both
 * modules serve parts of them.
 */
package io.runstream.core.face;
