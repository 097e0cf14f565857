/**
 * Model providers behind one interface; the built-in simulated model streams deterministic text.
 */
package io.runstream.worker.model;
