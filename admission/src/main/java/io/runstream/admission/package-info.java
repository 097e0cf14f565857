/**
 * Admitting a run, face-neutral: validate the input, write the session, messages and the queued run
 * in one transaction, then publish {@code RunRequested} and answer only once the broker
 * acknowledged it. Both the ingest API and the fan-out (whose POST-stream faces admit their own
 * runs, ADR 0008) depend on this module; neither depends on the other.
 */
package io.runstream.admission;
