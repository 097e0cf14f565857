/**
 * Face-neutral reading of runs: {@link io.runstream.fanout.stream.RunReader} yields a run's chunks
 * in order after a resume id from the hot, warm and cold tiers and knows the run's end; {@link
 * io.runstream.fanout.stream.StreamGate} bounds the live streams per user. Nothing here renders
 * bytes: faces do ({@code fanout.sse} and the face packages).
 */
package io.runstream.fanout.stream;
