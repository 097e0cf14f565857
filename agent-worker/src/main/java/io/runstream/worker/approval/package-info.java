/**
 * Tool approvals (issue #27 item 4): parked runs' requests published again when they are due, and
 * the sweep that makes them due when their approvals time out or their stop is asked.
 */
package io.runstream.worker.approval;
