/**
 * Lost workers: runs whose lease expired end as failed with a retryable error, so no reader waits
 * for them.
 */
package io.runstream.worker.lease;
