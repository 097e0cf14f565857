/** The SSE faces: event rendering and the stream endpoints. */
package io.runstream.fanout.sse;
