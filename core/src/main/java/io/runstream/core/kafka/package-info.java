/**
 * Kafka clients configured the Runstream way: idempotent producers with acks=all, explicit
 * consumers.
 */
package io.runstream.core.kafka;
