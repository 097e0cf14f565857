/**
 * What a run's model knows before the message: the identity block, the user's context nodes and the
 * request's files, composed by {@link io.runstream.worker.context.RunContext}.
 */
package io.runstream.worker.context;
