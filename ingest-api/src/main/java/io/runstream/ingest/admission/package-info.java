/**
 * Admitting a run: validate the input, write the session, messages and the queued run in one
 * transaction, then publish {@code RunRequested} and answer only once the broker acknowledged it.
 */
package io.runstream.ingest.admission;
