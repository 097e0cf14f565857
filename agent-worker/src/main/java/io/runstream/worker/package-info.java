/**
 * The agent worker: consumes run requests in a consumer group, runs many runs at once on virtual
 * threads, and produces each run's ordered chunk stream with the sequence numbers the SSE ids are
 * made of.
 */
package io.runstream.worker;
