/**
 * Taking run requests from Kafka: a consumer-group member that claims each run in PostgreSQL (so a
 * redelivered request is never run twice), hands it to a virtual thread, and commits offsets once
 * the claims are written.
 */
package io.runstream.worker.intake;
