/**
 * The agent-stream face's stream (docs/faces/agent-stream.md, seed 001): {@code GET
 * /ai/stream/{streamId}} as {@code event: data} frames of the seed's chunk shapes, then {@code
 * event: end}; every frame has its {@code id:}.
 */
package io.runstream.fanout.agentstream;
