/**
 * The hot tier: recent runs' chunks in bounded memory, each with its readers. The consumer thread
 * appends and offers to every reader's bounded queue without ever blocking; a reader that cannot
 * keep up is cut off.
 */
package io.runstream.fanout.hot;
