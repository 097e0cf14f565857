/**
 * The ingest API: the POST endpoints of the canonical face (sessions, messages, runs) and the reads
 * of what they wrote. A run is answered only after the broker acknowledged its request.
 */
package io.runstream.ingest;
