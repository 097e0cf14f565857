/**
 * The project-chat face (seed 002): the POSTs that answer with the run's stream ({@code
 * /api/v1/chat/stream}, the legacy {@code /api/v1/chat/generate}), their stateful renderings, the
 * request mapping and its sanitising.
 */
package io.runstream.fanout.projectchat;
