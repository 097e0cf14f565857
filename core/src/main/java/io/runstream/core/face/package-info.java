/**
 * The API faces of Runstream (API.md): each face is a path space with its own authentication modes
 * and error dialect over the one core. A face's controllers, request mapper and renderer live in
 * the module that serves them ({@code ingest.agentstream}, {@code fanout.agentstream}, ...); what
 * every module must agree on lives here.
 */
package io.runstream.core.face;
