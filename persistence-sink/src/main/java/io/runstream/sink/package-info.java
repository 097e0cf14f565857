/**
 * The persistence sink: consumes chunks in a consumer group and persists the chunk log,
 * transcripts, run status and usage in PostgreSQL, idempotently on (run id, seq), committing Kafka
 * offsets only after the database.
 */
package io.runstream.sink;
