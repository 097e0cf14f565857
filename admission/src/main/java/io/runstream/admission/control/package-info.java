/**
 * Stopping runs: the stop is recorded on the run's row, then sent to whichever worker holds the
 * run.
 */
package io.runstream.admission.control;
