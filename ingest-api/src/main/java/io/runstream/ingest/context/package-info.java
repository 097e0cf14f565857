/** What agents know about a user before the message: the context nodes endpoint. */
package io.runstream.ingest.context;
