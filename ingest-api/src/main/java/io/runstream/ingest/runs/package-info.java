/** The runs primitive under the sessions face: start a run, read its status. */
package io.runstream.ingest.runs;
