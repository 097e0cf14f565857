/**
 * The canonical face's streams (docs/faces/canonical.md): the AI SDK UI message stream of a
 * session's latest run or of a run.
 */
package io.runstream.fanout.canonical;
