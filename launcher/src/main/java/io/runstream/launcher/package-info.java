/**
 * The all-in-one launcher: the embedded default (in-process KRaft broker, embedded PostgreSQL) and
 * the four services in one JVM on one HTTP port. This is what {@code bin/runstream start} runs.
 */
package io.runstream.launcher;
