/**
 * The model providers an operator configured, by name: what the ingest accepts and what the workers
 * build.
 */
package io.runstream.core.model;
