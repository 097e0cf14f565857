/**
 * SSE for every face: framing ({@link io.runstream.fanout.sse.SseFrames}), the resume point, the
 * renderer contract ({@link io.runstream.fanout.sse.FaceRenderer}) and {@link
 * io.runstream.fanout.sse.SseStream}, which serves a run in a face's rendering. The faces
 * themselves live in their own packages.
 */
package io.runstream.fanout.sse;
