/**
 * What happens to a model's output besides streaming it: {@code [ACTION:slug:{json}]} tags cut out
 * of the text and dispatched to flows ({@link io.runstream.worker.output.ActionTagFilter}, {@link
 * io.runstream.worker.output.ActionFlows}).
 */
package io.runstream.worker.output;
