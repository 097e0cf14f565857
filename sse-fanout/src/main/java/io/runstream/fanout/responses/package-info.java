/**
 * The OpenAI Responses face ({@code /v1/responses}, issue #28): a face added through the face
 * registry, with its {@code Face} bean, controller, request mapper and renderer here and nothing
 * shared edited.
 */
package io.runstream.fanout.responses;
