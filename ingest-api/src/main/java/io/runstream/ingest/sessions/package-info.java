/** The canonical sessions face (seed 003): sessions, their transcript and follow-up messages. */
package io.runstream.ingest.sessions;
