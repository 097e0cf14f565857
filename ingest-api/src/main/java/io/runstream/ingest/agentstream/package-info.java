/**
 * The agent-stream face's POST (docs/faces/agent-stream.md, seed 001): {@code POST
 * /ai/agent/stream} maps the seed's request onto a run and answers {@code {"streamId"}} once the
 * broker has it; the stream is served by the fan-out.
 */
package io.runstream.ingest.agentstream;
