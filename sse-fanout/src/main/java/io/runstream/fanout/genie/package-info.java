/**
 * The genie stream-chat face (seed 000): the POST that answers with the run's stream, and its
 * rendering.
 */
package io.runstream.fanout.genie;
