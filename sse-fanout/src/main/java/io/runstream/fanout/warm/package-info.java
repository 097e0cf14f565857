/**
 * The warm tier: a run not in this node's memory is read back from Kafka from the offset where it
 * started.
 */
package io.runstream.fanout.warm;
