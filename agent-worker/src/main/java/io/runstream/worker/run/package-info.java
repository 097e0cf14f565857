/**
 * Running one agent run: history, the model's stream, and the run's ordered chunks with their
 * sequence numbers.
 */
package io.runstream.worker.run;
