/**
 * The tools a run's model may call: server tools run by the worker ({@link
 * io.runstream.worker.tools.ToolRegistry}, e.g. {@code memory.store} and {@code memory.retrieve})
 * and client tools answered through the API ({@link io.runstream.worker.tools.ClientToolBridge}).
 */
package io.runstream.worker.tools;
