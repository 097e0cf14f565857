/**
 * The SSE fan-out: each node consumes the chunk topic once, keeps recent runs in bounded memory and
 * serves every reader with {@code id:} on each event and resume by {@code Last-Event-ID}.
 */
package io.runstream.fanout;
